import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
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

  it('doctor prints the FAIL line and exits 2 when a check fails', async () => {
    const { code, stdout, stderr } = await cli('doctor', '--data-dir', home);
    expect(code).toBe(2);
    expect(stdout).toMatch(/^FAIL data dir/m);
    expect(stderr).toContain('error [DOCTOR_CHECK_FAILED]: 1 check(s) failed: data dir');
  });

  it('refuses a label file that matches only some products: exit 2, the lines named, nothing imported', async () => {
    const x = path.join(home, 'X_few.csv');
    const y = path.join(home, 'Y_few.csv');
    writeFileSync(x, ',designation,description,productid,imageid\n0,Stylet,,11,12\n1,Crayon,,13,14\n2,Gomme,,15,16\n');
    writeFileSync(y, ',prdtypecode\n0,2705\n7,10\n');
    const { code, stderr } = await cli('data', 'import', '--x', x, '--y', y, '--no-images');
    expect(code).toBe(2);
    expect(stderr).toContain('error [DATA_LABELS_MISMATCH]: X_few.csv has 3 rows and Y_few.csv 2');
    expect(stderr).toContain('first: X_few.csv line 3, index 1');
    expect(stderr).toContain('first: Y_few.csv line 3, index 7');
    const doctor = await cli('doctor', '--json');
    expect(JSON.parse(doctor.stdout)).toMatchObject({ database: { detail: expect.stringMatching(/^0 products/) } });
  });

  it('says "expected commas" for a semicolon-separated file', async () => {
    const x = path.join(home, 'X_semi.csv');
    writeFileSync(x, ';designation;description;productid;imageid\n0;"Stylet";;11;12\n');
    const { code, stderr } = await cli('data', 'import', '--x', x, '--y', x, '--no-images');
    expect(code).toBe(2);
    expect(stderr).toContain('error [DATA_CSV_DELIMITER]: X_semi.csv line 1: the header is separated by semicolons, expected commas');
  });
});
