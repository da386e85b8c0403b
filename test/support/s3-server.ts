import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The part of s3rver (which ships no types) these tests use. */
interface S3rverInstance {
  run(): Promise<unknown>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;

function isConstructor(value: unknown): value is S3rverConstructor {
  return typeof value === 'function';
}

/** A real S3-protocol server (s3rver) on loopback, with a temp directory; stop/start keep its objects. */
export interface S3TestServer {
  endpoint: string;
  bucket: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Where s3rver keeps objects on disk (tests corrupt one through it). */
  directory: string;
  stop: () => Promise<void>;
  start: () => Promise<void>;
  /** Stops it and removes its directory. */
  dispose: () => Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startS3Server(bucket = 'rakuten-test'): Promise<S3TestServer> {
  const loaded: unknown = createRequire(import.meta.url)('s3rver');
  if (!isConstructor(loaded)) throw new Error('s3rver did not export a constructor');
  const directory = mkdtempSync(path.join(tmpdir(), 'rakuten-s3rver-'));
  const port = await freePort();
  let server: S3rverInstance | undefined;
  const start = async () => {
    // S3rver accepts the fixed S3RVER credentials below; the SDK signs with them.
    server = new loaded({
      address: '127.0.0.1',
      port,
      silent: true,
      directory,
      configureBuckets: [{ name: bucket }],
    });
    await server.run();
  };
  const stop = async () => {
    const running = server;
    server = undefined;
    if (running) await running.close();
  };
  await start();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    directory,
    stop,
    start,
    dispose: async () => {
      await stop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
