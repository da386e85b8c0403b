import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './s3-server.js';

/** A real `mlflow server` on loopback with a temp SQLite store and proxied artifacts. */
export interface MlflowTestServer {
  trackingUri: string;
  directory: string;
  stop: () => Promise<void>;
}

/**
 * The mlflow binary ($MLFLOW_BIN, default /opt/mlflow/bin/mlflow), or why the MLflow suite cannot run.
 * Under CI=true a missing binary throws (the suite fails, never skips).
 */
export function mlflowBinary(): { bin: string } | { skipReason: string } {
  const bin = process.env.MLFLOW_BIN ?? '/opt/mlflow/bin/mlflow';
  if (existsSync(bin)) return { bin };
  const reason = `MLflow binary not found at ${bin} (set MLFLOW_BIN)`;
  if (process.env.CI === 'true') throw new Error(`CI=true but ${reason}: .ci/run must install MLflow.`);
  return { skipReason: reason };
}

async function waitForHealth(
  url: string,
  child: ChildProcess,
  log: () => string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`mlflow server exited with ${child.exitCode}:\n${log()}`);
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`mlflow server did not answer ${url}/health within ${timeoutMs} ms:\n${log()}`);
}

export async function startMlflowServer(bin: string): Promise<MlflowTestServer> {
  const directory = mkdtempSync(path.join(tmpdir(), 'rakuten-mlflow-'));
  const port = await freePort();
  const trackingUri = `http://127.0.0.1:${port}`;
  const child = spawn(
    bin,
    [
      'server',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--workers',
      '1',
      '--backend-store-uri',
      `sqlite:///${path.join(directory, 'mlflow.db')}`,
      '--serve-artifacts',
      '--artifacts-destination',
      path.join(directory, 'artifacts'),
    ],
    // Its own process group, so stop() also ends the server's worker processes.
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const stop = async () => {
    if (child.exitCode === null && child.pid !== undefined) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(-child.pid, 'SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      if (child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
    }
    rmSync(directory, { recursive: true, force: true });
  };
  try {
    await waitForHealth(trackingUri, child, () => output, 60_000);
  } catch (error: unknown) {
    await stop();
    throw error;
  }
  return { trackingUri, directory, stop };
}
