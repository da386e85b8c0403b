import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/index.js';
import { cleanProducts, type Database, importProducts, loadSplit, openDatabase, splitProducts } from '../../data/index.js';
import { useBackend } from '../../models/engine/index.js';
import { evaluateBundle } from '../../models/evaluate.js';
import { loadClassifier } from '../../models/load-classifier.js';
import { trainModel } from '../../models/train.js';
import { SHARED_DEFAULTS, TRAINING_DEFAULTS } from '../../models/training-defaults.js';
import { runMonitor } from '../../pipelines/monitor.js';
import { promoteVersion, type RegistryDeps, registerVersion } from '../../registry/index.js';
import { buildApp, parseServeConfig } from '../../serve/index.js';
import { sharedDataDir } from '../support/shared-data.js';
import { makeTempDir } from './data-fixtures.js';

// Monitor on real products: a champion trained on X_train, prediction logs and seller feedback written
// as the API writes them, in two windows: one that looks like the training data, one skewed.

const log = silentLogger();
const DAY = 24 * 3600 * 1000;
const now = Date.now();
const normalWindow = { since: new Date(now - 21 * DAY), until: new Date(now - 14 * DAY) };
const skewedWindow = { since: new Date(now - 6 * DAY), until: new Date(now + DAY) };
let db: Database;
let home: string;
let deps: RegistryDeps;
let bundleDir: string;

async function insertLog(at: number, code: number, confidence: number, trueCode: number | null, text: string | null): Promise<void> {
  const created = new Date(at).toISOString();
  await db.run(sql`INSERT INTO prediction_logs (model_version, modality, top_k, input_text, predicted_code, confidence, latency_ms, created_at)
    VALUES ('rakuten@1', 'text', ${JSON.stringify([{ prdtypecode: code, probability: confidence }])}, ${text}, ${code}, ${confidence}, 3, ${created})`);
  if (trueCode === null) return;
  const [row] = await db.all<{ id: number }>(sql`SELECT MAX(id) AS id FROM prediction_logs`);
  await db.run(sql`INSERT INTO seller_feedback (prediction_log_id, correct_code, created_at) VALUES (${row?.id ?? null}, ${trueCode}, ${created})`);
}

async function insertSellerProduct(id: number, at: number, designation: string, description: string | null, code: number): Promise<void> {
  const created = new Date(at).toISOString();
  await db.run(sql`INSERT INTO products (productid, designation, description, prdtypecode, source, created_at, updated_at)
    VALUES (${id}, ${designation}, ${description}, ${code}, 'seller', ${created}, ${created})`);
}

beforeAll(async () => {
  const dataDir = sharedDataDir();
  const engine = await useBackend({ preference: 'wasm' });
  home = makeTempDir('monitor');
  db = await openDatabase({ home });
  deps = { db, log, actor: 'monitor-test' };
  const textFiles = [{ xPath: path.join(dataDir, 'X_train.csv'), yPath: path.join(dataDir, 'Y_train.csv'), source: 'challenge' as const }];
  await importProducts({ textFiles }, { db, log });
  await cleanProducts({}, { db, log });
  await splitProducts({ seed: 7, manifestDir: path.join(home, 'splits') }, { db, log });
  bundleDir = path.join(home, 'bundles', 'tfidf');
  await trainModel({ kind: 'tfidf', bundleDir, options: { ...SHARED_DEFAULTS, ...TRAINING_DEFAULTS.tfidf, epochs: 2 } }, { db, log, engine });
  const evaluate = async (dir: string) => ({
    split: 'test',
    weightedF1: (await evaluateBundle({ bundleDir: dir, split: 'test', reportsDir: path.join(home, 'reports') }, { db, log })).metrics.weightedF1,
  });
  const { version } = await registerVersion({ name: 'rakuten', bundleDir, evaluate }, deps);
  await promoteVersion({ name: 'rakuten', version: version.version }, deps);

  // The normal window: the champion's real predictions on validation products, sellers confirming or
  // correcting each with the true label, and seller products that look like the catalogue.
  const rows = await loadSplit(db, { split: 'validation', modality: 'text' });
  const classifier = await loadClassifier(bundleDir);
  const probabilities = await classifier.predictProba(rows.map((r) => ({ text: r.text, image: null })));
  for (const [i, row] of rows.entries()) {
    const p = Array.from(probabilities[i] ?? []);
    const best = p.indexOf(Math.max(...p));
    await insertLog(normalWindow.since.getTime() + i * 60_000, classifier.labels[best] ?? 0, p[best] ?? 0, row.label, row.text);
  }
  classifier.dispose();
  const originals = await db.all<{ designation: string; description: string | null; prdtypecode: number }>(
    sql`SELECT designation, description, prdtypecode FROM products WHERE split = 'validation' ORDER BY productid`,
  );
  for (const [i, p] of originals.filter((_, j) => j % 8 === 0).entries()) {
    await insertSellerProduct(9_000_000_000 + i, normalWindow.since.getTime() + i * 60_000, p.designation, p.description, p.prdtypecode);
  }

  // The skewed window: nearly everything predicted as one class, unsure, sellers contradicting it,
  // and new products full of markup and words the catalogue never had.
  for (const [i, row] of rows.slice(0, 120).entries()) {
    await insertLog(skewedWindow.since.getTime() + i * 60_000, 2583, 0.3, row.label === 2583 ? 10 : row.label, null);
  }
  for (let i = 0; i < 40; i++) {
    await insertSellerProduct(9_100_000_000 + i, skewedWindow.since.getTime() + i * 60_000, `zorblax kvetch quibbit ${i}`, '<div><b>glorpax</b> frobnic wuzzle</div>', 10);
  }
});

afterAll(async () => {
  await db?.close();
});

describe('runMonitor', () => {
  it('does not flag predictions, feedback and products that match the training data', async () => {
    const result = await runMonitor({ ...normalWindow, modelRef: 'rakuten@champion', reportsDir: path.join(home, 'reports') }, deps);
    expect(result.live.predictions).toBeGreaterThan(400);
    expect(result.live.feedback.samples).toBe(result.live.predictions);
    expect(result.input.window.products).toBeGreaterThan(50);
    expect(result.checks.filter((c) => c.skipped)).toEqual([]);
    expect(result.checks.filter((c) => c.isCrossed)).toEqual([]);
    expect(result.isDrift).toBe(false);
    expect(result.summary).toMatch(/^no drift/);
  });

  it('flags skewed predictions, contradicting feedback and unfamiliar inputs, in one line and two reports', async () => {
    const result = await runMonitor({ ...skewedWindow, modelRef: 'rakuten@champion', reportsDir: path.join(home, 'reports') }, deps);
    expect(result.isDrift).toBe(true);
    const crossed = result.checks.filter((c) => c.isCrossed).map((c) => c.check);
    expect(crossed).toEqual(expect.arrayContaining(['prediction_psi', 'live_f1_drop', 'confidence_drop', 'html_share', 'unknown_token_share']));
    expect(result.live.feedback.accuracy).toBe(0);
    expect(result.live.confidence.belowHalfShare).toBe(1);
    expect(result.summary).toMatch(/^DRIFT: prediction_psi \d/);
    expect(result.summary).not.toContain('\n');
    expect(JSON.parse(readFileSync(result.reportJson, 'utf8'))).toMatchObject({ isDrift: true });
    const html = readFileSync(result.reportHtml, 'utf8');
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
    expect(existsSync(path.join(home, 'reports', 'monitor'))).toBe(true);
  });

  it('exposes the same figures as gauges on /metrics', async () => {
    const app = await buildApp(
      parseServeConfig({ jwtSecret: 'x'.repeat(32), uploadsDir: path.join(home, 'uploads'), models: { model: bundleDir } }),
      { db },
    );
    try {
      const body = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      const gauge = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(body)?.[1]);
      expect(gauge('rakuten_monitor_predictions')).toBe(120); // the last 7 days
      expect(gauge('rakuten_monitor_prediction_psi')).toBeGreaterThan(0.2);
      expect(gauge('rakuten_monitor_live_accuracy')).toBe(0);
      expect(gauge('rakuten_monitor_confidence_mean')).toBeCloseTo(0.3, 5);
    } finally {
      await app.close();
    }
  });
});
