import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// The CLI as a user runs it: exit codes, stdout for results, stderr for errors, never a stack trace.

const run = promisify(execFile);
const home = mkdtempSync(path.join(os.tmpdir(), 'rakuten-cli-'));

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'cli/main.ts', '--home', home, ...args], {
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error: unknown) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('rakuten-ml', () => {
  it('lists every stage in --help', async () => {
    const { code, stdout } = await cli('--help');
    expect(code).toBe(0);
    for (const command of ['doctor', 'data', 'train', 'evaluate', 'register', 'promote', 'push', 'pull', 'serve', 'monitor', 'retrain', 'demo']) {
      expect(stdout).toContain(command);
    }
  });

  it('reports a missing bundle with its code, a hint and exit 3, without a stack trace', async () => {
    const { code, stderr } = await cli('evaluate', path.join(home, 'no-such-bundle'));
    expect(code).toBe(3);
    expect(stderr).toContain('error [BUNDLE_NOT_FOUND]');
    expect(stderr).toContain('hint:');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('rejects an unknown model kind as bad input (exit 2)', async () => {
    const { code, stderr } = await cli('train', '--model', 'transformer');
    expect(code).toBe(2);
    expect(stderr).toContain('CONFIG_INVALID');
  });

  it('prints doctor results as JSON on stdout with --json', async () => {
    const { code, stdout } = await cli('doctor', '--json');
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as { engine: { backend: string }; database: { ok: boolean } };
    expect(report.engine.backend).toBe('wasm');
    expect(report.database.ok).toBe(true);
  });
});
