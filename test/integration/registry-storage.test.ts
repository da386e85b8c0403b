import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/index.js';
import { writeBundle } from '../../models/bundle.js';
import {
  type BlobStore,
  COMPLETE_MARKER,
  LocalBlobStore,
  promoteVersion,
  pullVersion,
  pushVersion,
  type RegistryDeps,
  registerVersion,
  resolveModelRef,
  S3BlobStore,
  versionPrefix,
} from '../../registry/index.js';
import { databaseBackends, makeTempHome, type TestDatabase } from '../support/postgres-db.js';
import { type S3TestServer, startS3Server } from '../support/s3-server.js';

async function tinyBundle(dir: string, seed: string): Promise<string> {
  await writeBundle(dir, {
    kind: 'tfidf',
    files: { 'a.txt': `a ${seed}`, 'nested/b.bin': new Uint8Array([1, 2, 3]), 'c.json': '{"k":1}' },
    metadata: { data: { sha256: 'd'.repeat(64) } },
  });
  return dir;
}

let s3: S3TestServer;
beforeAll(async () => {
  s3 = await startS3Server();
});
afterAll(async () => {
  await s3.dispose();
});

const s3Store = (maxAttempts = 3) =>
  new S3BlobStore({
    bucket: s3.bucket,
    endpoint: s3.endpoint,
    region: s3.region,
    credentials: s3.credentials,
    maxAttempts,
  });

const stores: { name: string; open: (home: string) => BlobStore }[] = [
  { name: 'local folder', open: (home) => new LocalBlobStore(path.join(home, 'store')) },
  // A prefix per test keeps the shared bucket's versions apart.
  {
    name: 'S3 (s3rver)',
    open: () =>
      new S3BlobStore({
        bucket: s3.bucket,
        prefix: `${Math.random().toString(36).slice(2)}/`,
        endpoint: s3.endpoint,
        region: s3.region,
        credentials: s3.credentials,
      }),
  },
];

for (const backend of databaseBackends('registry storage')) {
  for (const storeKind of stores) {
    describe.skipIf(backend.skipReason !== undefined)(`push/pull to ${storeKind.name} with ${backend.name}`, () => {
      let t: TestDatabase;
      let deps: RegistryDeps & { store: BlobStore };
      beforeEach(async () => {
        t = await backend.open();
        deps = {
          db: t.db,
          log: silentLogger(),
          actor: 'ci',
          store: storeKind.open(t.home),
          cacheDir: path.join(t.home, 'cache'),
        };
      });
      afterEach(async () => {
        await deps.store.close();
        await t.cleanup();
      });

      it('pushes a version once (a second push uploads nothing) and pulls it back by alias, verified', async () => {
        const dir = await tinyBundle(path.join(t.home, 'bundle'), '1');
        const { version } = await registerVersion({ name: 'rakuten', bundleDir: dir }, deps);
        const first = await pushVersion({ name: 'rakuten', version: 1 }, deps);
        const objects = await deps.store.list(versionPrefix(version));
        const second = await pushVersion({ name: 'rakuten', version: 1 }, deps);
        expect(first).toMatchObject({ uploaded: 4, isAlreadyPushed: false });
        expect(second).toMatchObject({ uploaded: 0, isAlreadyPushed: true });
        expect(await deps.store.list(versionPrefix(version))).toEqual(objects);
        expect(objects.map((k) => k.slice(versionPrefix(version).length))).toEqual([
          COMPLETE_MARKER,
          'a.txt',
          'c.json',
          'manifest.json',
          'nested/b.bin',
        ]);
        const pulled = await pullVersion(
          { name: 'rakuten', ref: 'challenger', to: path.join(t.home, 'pulled') },
          deps,
        );
        expect(pulled).toMatchObject({ version: 1, bundleSha256: version.bundle_sha256, isDownloaded: true });
      });

      it('resolves rakuten@champion from the store into the cache once the local bundle is gone', async () => {
        const dir = await tinyBundle(path.join(t.home, 'bundle'), '2');
        const { version } = await registerVersion({ name: 'rakuten', bundleDir: dir }, deps);
        await promoteVersion({ name: 'rakuten', version: 1 }, deps);
        await pushVersion({ name: 'rakuten', version: 1 }, deps);
        rmSync(dir, { recursive: true });
        const resolved = await resolveModelRef('rakuten@champion', deps);
        expect(resolved.bundleDir.startsWith(path.join(t.home, 'cache'))).toBe(true);
        expect(resolved.bundleSha256).toBe(version.bundle_sha256);
        expect((await resolveModelRef('rakuten@champion', deps)).bundleDir).toBe(resolved.bundleDir);
      });

      it('refuses to pull a corrupted object and leaves no folder behind', async () => {
        const { version } = await registerVersion(
          { name: 'rakuten', bundleDir: await tinyBundle(path.join(t.home, 'bundle'), '3') },
          deps,
        );
        await pushVersion({ name: 'rakuten', version: 1 }, deps);
        await deps.store.putBytes(`${versionPrefix(version)}a.txt`, Buffer.from('a 4'));
        const target = path.join(t.home, 'pulled');
        await expect(pullVersion({ name: 'rakuten', ref: 1, to: target }, deps)).rejects.toMatchObject({
          code: 'STORE_OBJECT_CORRUPT',
          message: expect.stringContaining('a.txt is corrupt'),
        });
        expect(existsSync(target)).toBe(false);
      });

      it('says a version never pushed is not in the store', async () => {
        await registerVersion(
          { name: 'rakuten', bundleDir: await tinyBundle(path.join(t.home, 'bundle'), '5') },
          deps,
        );
        await expect(
          pullVersion({ name: 'rakuten', ref: 1, to: path.join(t.home, 'p') }, deps),
        ).rejects.toMatchObject({ code: 'STORE_NOT_PUSHED' });
      });
    });
  }
}

describe('a push interrupted by the S3 server stopping', () => {
  it('leaves no visible version, and a re-run after restart completes it without re-sending finished files', async () => {
    const [backend] = databaseBackends('registry storage');
    if (!backend) throw new Error('no database backend');
    const t = await backend.open();
    const store = s3Store(1);
    const home = makeTempHome('interrupt');
    try {
      const deps: RegistryDeps = {
        db: t.db,
        log: silentLogger(),
        actor: 'ci',
        store,
        cacheDir: path.join(home, 'cache'),
      };
      const { version } = await registerVersion(
        { name: 'rakuten', bundleDir: await tinyBundle(path.join(home, 'bundle'), 'i') },
        deps,
      );
      let stopped: Promise<void> | undefined;
      const interrupted = pushVersion(
        { name: 'rakuten', version: 1 },
        {
          ...deps,
          onProgress: (p) => {
            if (p.done === 2 && !stopped) stopped = s3.stop();
          },
        },
      );
      await expect(interrupted).rejects.toMatchObject({ code: 'STORE_UNREACHABLE' });
      await stopped;
      await s3.start();
      await expect(
        pullVersion({ name: 'rakuten', ref: 1, to: path.join(home, 'early') }, deps),
      ).rejects.toMatchObject({ code: 'STORE_NOT_PUSHED' });
      const keysBefore = await store.list(versionPrefix(version));
      expect(keysBefore.length).toBeGreaterThanOrEqual(1);
      expect(keysBefore).not.toContain(`${versionPrefix(version)}${COMPLETE_MARKER}`);
      const rerun = await pushVersion({ name: 'rakuten', version: 1 }, deps);
      expect(rerun.uploaded).toBe(4 - keysBefore.length);
      const pulled = await pullVersion(
        { name: 'rakuten', ref: 'challenger', to: path.join(home, 'pulled') },
        deps,
      );
      expect(pulled.bundleSha256).toBe(version.bundle_sha256);
    } finally {
      await store.close();
      await t.cleanup();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
