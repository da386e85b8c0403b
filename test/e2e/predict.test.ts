import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/index.js';
import { cleanProducts, importProducts, openDatabase, splitProducts } from '../../data/index.js';
import { useBackend } from '../../models/engine/index.js';
import { trainModel } from '../../models/train.js';
import { SHARED_DEFAULTS, TRAINING_DEFAULTS } from '../../models/training-defaults.js';
import { headOfCsv, makeTempDir } from '../integration/data-fixtures.js';
import { sharedDataDir } from '../support/shared-data.js';

// `rakuten-ml predict` and `evaluate --x --y` as a user runs them, on a small CSV written here and
// a TF-IDF bundle trained (in-process, for speed) on the first 600 real products.

const run = promisify(execFile);
const home = makeTempDir('predict-e2e');
const bundle = path.join(home, 'tfidf');
let xCsv = '';
let yCsv = '';

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'cli/main.ts', '--home', home, ...args], { timeout: 90_000 });
    return { code: 0, stdout, stderr };
  } catch (error: unknown) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

beforeAll(async () => {
  const dataDir = sharedDataDir();
  const x = headOfCsv(path.join(dataDir, 'X_train.csv'), 600, home, 'X_train_head.csv');
  const y = headOfCsv(path.join(dataDir, 'Y_train.csv'), 600, home, 'Y_train_head.csv');
  const engine = await useBackend({ preference: 'wasm' });
  const db = await openDatabase({ home });
  const log = silentLogger();
  try {
    await importProducts({ textFiles: [{ xPath: x, yPath: y, source: 'challenge' }] }, { db, log });
    await cleanProducts({}, { db, log });
    await splitProducts({ seed: 42, manifestDir: path.join(home, 'splits') }, { db, log });
    await trainModel({ kind: 'tfidf', bundleDir: bundle, options: { ...SHARED_DEFAULTS, ...TRAINING_DEFAULTS.tfidf, epochs: 2 } }, { db, log, engine });
  } finally {
    await db.close();
  }
  // Products the bundle never saw (rows 601-640 of X_train), plus one with no text and an unknown photo.
  const lines = readFileSync(path.join(dataDir, 'X_train.csv'), 'utf8').split('\n');
  const labels = readFileSync(path.join(dataDir, 'Y_train.csv'), 'utf8').split('\n');
  xCsv = path.join(home, 'X_new.csv');
  yCsv = path.join(home, 'Y_new.csv');
  writeFileSync(xCsv, `${[lines[0], ...lines.slice(601, 641), '99999,,,1,2'].join('\n')}\n`);
  writeFileSync(yCsv, `${[labels[0], ...labels.slice(601, 641), '99999,10'].join('\n')}\n`);
});

describe('rakuten-ml predict', () => {
  it('writes a submission row per input row, reports the row it cannot score, and writes --out atomically', async () => {
    const out = path.join(home, 'preds.csv');
    const { code, stdout, stderr } = await cli('predict', bundle, '--x', xCsv, '--out', out, '--json');
    expect(code).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe(',prdtypecode');
    expect(lines).toHaveLength(42);
    const xIndex = readFileSync(xCsv, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[0]);
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(xIndex);
    expect(lines.slice(1, 41).every((l) => /^\d+,\d+$/.test(l))).toBe(true);
    expect(lines[41]).toBe('99999,');
    expect(stderr).toContain('unscored: row index 99999 (line 42): no text and no image');
    const summary = JSON.parse(stdout) as { rows: number; scored: number; unscored: number; peakRssMb: number };
    expect(summary).toMatchObject({ rows: 41, scored: 40, unscored: 1 });
    expect(summary.peakRssMb).toBeGreaterThan(0);
    expect(readdirSync(home).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('streams jsonl with the top k to stdout', async () => {
    const { code, stdout } = await cli('predict', bundle, '--x', xCsv, '--format', 'jsonl', '--k', '2');
    expect(code).toBe(0);
    const rows = stdout.trim().split('\n').map((l) => JSON.parse(l) as { index: string; predictions: { probability: number }[]; error: string | null });
    expect(rows).toHaveLength(41);
    expect(rows[0]?.predictions).toHaveLength(2);
    expect(rows[40]).toMatchObject({ index: '99999', predictions: [], error: 'no text and no image' });
  });

  it('refuses an unknown format as bad input (exit 2)', async () => {
    const { code, stderr } = await cli('predict', bundle, '--x', xCsv, '--format', 'parquet');
    expect(code).toBe(2);
    expect(stderr).toContain('CONFIG_INVALID');
  });
});

describe('rakuten-ml evaluate --x --y', () => {
  it('scores a labelled file and writes its reports under the home', async () => {
    const { code, stdout } = await cli('evaluate', bundle, '--x', xCsv, '--y', yCsv, '--json');
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { dataset: string; metrics: { samples: number; weightedF1: number }; skippedProducts: number; reportHtml: string };
    expect(result).toMatchObject({ dataset: 'file:X_new.csv', skippedProducts: 1, metrics: { samples: 40 } });
    expect(result.reportHtml.startsWith(path.join(home, 'reports'))).toBe(true);
    expect(existsSync(result.reportHtml)).toBe(true);
  });

  it('refuses a Y whose index does not match X: exit 2, EVALUATE_LABELS_MISMATCH', async () => {
    const badY = path.join(home, 'Y_bad.csv');
    writeFileSync(badY, readFileSync(yCsv, 'utf8').replace('\n99999,10', '\n88888,10'));
    const { code, stderr } = await cli('evaluate', bundle, '--x', xCsv, '--y', badY);
    expect(code).toBe(2);
    expect(stderr).toContain('error [EVALUATE_LABELS_MISMATCH]: X_new.csv has 41 rows and Y_bad.csv 41');
    expect(stderr).toContain('first: 99999 (line 42)');
  });
});
