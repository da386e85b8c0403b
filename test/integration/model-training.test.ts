import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/index.js';
import { cleanProducts, type Database, importProducts, openDatabase, splitProducts } from '../../data/index.js';
import { readManifest } from '../../models/bundle.js';
import { type EngineInfo, useBackend } from '../../models/engine/index.js';
import { evaluateBundle } from '../../models/evaluate.js';
import { loadClassifier } from '../../models/load-classifier.js';
import { type TrainInput, trainModel } from '../../models/train.js';
import { SHARED_DEFAULTS, TRAINING_DEFAULTS } from '../../models/training-defaults.js';
import { sharedDataDir } from '../support/shared-data.js';
import { makeTempDir } from './data-fixtures.js';

// train -> bundle -> load -> evaluate on real products (the 4,970 text rows of X_train), on SQLite.

const log = silentLogger();
let db: Database;
let home: string;
let engine: EngineInfo;

function options(kind: TrainInput['kind'], overrides: Partial<TrainInput['options']> = {}): TrainInput['options'] {
  return { ...SHARED_DEFAULTS, ...TRAINING_DEFAULTS[kind], ...overrides };
}

beforeAll(async () => {
  const dataDir = sharedDataDir();
  engine = await useBackend({ preference: 'wasm' });
  home = makeTempDir('train');
  db = await openDatabase({ home });
  const textFiles = [{ xPath: path.join(dataDir, 'X_train.csv'), yPath: path.join(dataDir, 'Y_train.csv'), source: 'challenge' as const }];
  await importProducts({ textFiles }, { db, log });
  await cleanProducts({}, { db, log });
  await splitProducts({ seed: 7, manifestDir: path.join(home, 'splits') }, { db, log });
});

afterAll(async () => {
  await db?.close();
});

describe('training and evaluating on real products', () => {
  it('trains the TF-IDF baseline into a bundle that names its data, engine and calibration', async () => {
    const bundleDir = path.join(home, 'tfidf');
    const result = await trainModel({ kind: 'tfidf', bundleDir, options: options('tfidf', { epochs: 3 }) }, { db, log, engine });
    expect(result.validation.samples).toBeGreaterThan(400);
    expect(result.validation.weightedF1).toBeGreaterThan(0.5);
    expect(result.temperature).toBeGreaterThan(0);
    const manifest = await readManifest(bundleDir);
    expect(manifest.kind).toBe('tfidf');
    expect(manifest.metadata).toMatchObject({ data: { sha256: result.dataSha256 }, engine: { backend: 'wasm' } });
    expect(Object.keys(manifest.files).sort()).toEqual(['vectorizer.json', 'weights.bin']);
  });

  it('gives the same model and metrics for the same seed and data', async () => {
    const a = await trainModel({ kind: 'tfidf', bundleDir: path.join(home, 'same-a'), options: options('tfidf', { epochs: 2 }) }, { db, log, engine });
    const b = await trainModel({ kind: 'tfidf', bundleDir: path.join(home, 'same-b'), options: options('tfidf', { epochs: 2 }) }, { db, log, engine });
    expect(b.validation).toEqual(a.validation);
    const weightsSha = async (dir: string) => (await readManifest(dir)).files['weights.bin']?.sha256;
    expect(await weightsSha(path.join(home, 'same-b'))).toBe(await weightsSha(path.join(home, 'same-a')));
  });

  it('evaluates a loaded bundle exactly as training scored it, and writes both reports', async () => {
    const bundleDir = path.join(home, 'tfidf-char');
    await trainModel({ kind: 'tfidf-char', bundleDir, options: options('tfidf-char', { epochs: 2 }) }, { db, log, engine });
    const trained = await readManifest(bundleDir);
    const result = await evaluateBundle({ bundleDir, split: 'validation', reportsDir: path.join(home, 'reports') }, { db, log });
    expect(result.metrics.weightedF1).toBeCloseTo((trained.metadata.validation as { weightedF1: number }).weightedF1, 10);
    expect(existsSync(result.reportJson)).toBe(true);
    const html = readFileSync(result.reportHtml, 'utf8');
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/https?:\/\//);
  });

  it('temperature scaling softens an over-confident model and lowers its validation log-loss', async () => {
    // Ten AdaGrad epochs on 4k products over-fit: the raw probabilities are too sure of themselves.
    // (ECE on ~500 products is noisy and not what the fit minimises; models/evaluation tests its drop.)
    const { validation, temperature } = await trainModel(
      { kind: 'tfidf', bundleDir: path.join(home, 'tfidf-10'), options: options('tfidf', { epochs: 10, patience: 10 }) },
      { db, log, engine },
    );
    expect(temperature).toBeGreaterThan(1);
    expect(validation.logLoss).toBeLessThan(validation.logLossBeforeCalibration);
  });

  it('the reference LSTM lowers its loss over a few epochs on real text', async () => {
    const result = await trainModel(
      {
        kind: 'lstm',
        bundleDir: path.join(home, 'lstm'),
        options: options('lstm', { epochs: 2, vocabularySize: 3000, sequenceLength: 16, patience: 5 }),
      },
      { db, log, engine },
    );
    const [first, second] = result.history;
    expect(first && second && second.loss < first.loss).toBe(true);
  });

  it('refuses to load a bundle whose weights were altered', async () => {
    const bundleDir = path.join(home, 'same-a');
    const weights = path.join(bundleDir, 'weights.bin');
    const bytes = readFileSync(weights);
    bytes[10] = (bytes[10] ?? 0) ^ 0xff;
    (await import('node:fs')).writeFileSync(weights, bytes);
    await expect(loadClassifier(bundleDir)).rejects.toMatchObject({ code: 'BUNDLE_CORRUPT' });
  });
});
