/**
 * npm run bench:models — on the shared data with one fixed seeded split: import (with the
 * title-only rows), clean, resize, split; train and evaluate every model kind; write a table to
 * reports/bench/models.json and models.md. Test-split figures; tuning used validation only.
 * Env: RAKUTEN_DATA_DIR · BENCH_HOME (default a temp dir) · BENCH_MODELS (comma list) ·
 * BENCH_EPOCHS_SCALE (e.g. 0.25 for a quick run).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, silentLogger } from '../core/index.js';
import { cleanProducts, importProducts, loadSplit, openDatabase, prepareImages, splitProducts } from '../data/index.js';
import { readManifest } from '../models/bundle.js';
import { LABELS, type ModelKind } from '../models/classifiers/classifier.js';
import { useBackend } from '../models/engine/index.js';
import { computeMetrics } from '../models/evaluation/index.js';
import { evaluateBundle } from '../models/evaluate.js';
import { loadClassifier } from '../models/load-classifier.js';
import { predictRows, trainModel } from '../models/train.js';
import { SHARED_DEFAULTS, TRAINING_DEFAULTS } from '../models/training-defaults.js';

const config = loadConfig(process.env);
if (!config.dataDir) throw new Error('Set RAKUTEN_DATA_DIR to the shared challenge data.');
const dataDir = config.dataDir;
const home = process.env.BENCH_HOME ?? (await mkdtemp(path.join(os.tmpdir(), 'rakuten-bench-')));
const kinds = (process.env.BENCH_MODELS ?? 'tfidf,tfidf-char,fasttext,lstm,cnn,fusion,late-fusion').split(',') as ModelKind[];
const epochsScale = Number(process.env.BENCH_EPOCHS_SCALE ?? 1);
// Fusion trains both trunks on every product (12k, mostly without a photo): fewer epochs and
// 32 tokens keep the whole bench under 30 minutes on 2 cores.
const EPOCHS_OVERRIDE: Partial<Record<ModelKind, number>> = { lstm: 4, cnn: 20, fusion: 2 };
const OPTIONS_OVERRIDE: Partial<Record<ModelKind, { sequenceLength: number }>> = { fusion: { sequenceLength: 32 } };
// With BENCH_HOME, a kind whose bundle is already there is evaluated again, not retrained.
const trainedNow = new Set<ModelKind>();
const isReused = (kind: ModelKind) => existsSync(path.join(home, 'bundles', kind, 'manifest.json'));
const log = silentLogger();
const progress = (stage: string) => (p: { done: number; total: number }) => {
  if (p.done === p.total) process.stderr.write(`  ${stage}: ${p.done}/${p.total}\n`);
};

const engine = await useBackend({ preference: config.engine.backend, threads: config.engine.threads });
const db = await openDatabase({ home });
const started = performance.now();
await importProducts(
  {
    textFiles: [
      { xPath: path.join(dataDir, 'X_train.csv'), yPath: path.join(dataDir, 'Y_train.csv'), source: 'challenge' },
      { xPath: path.join(dataDir, 'X_train_titles.csv'), yPath: path.join(dataDir, 'Y_train_titles.csv'), source: 'challenge_titles' },
    ],
    imageDir: path.join(dataDir, 'images', 'image_train'),
    idsPath: path.join(dataDir, 'ids_all.csv'),
  },
  { db, log },
);
await cleanProducts({}, { db, log });
await prepareImages({ cacheDir: path.join(home, 'images'), sizesPx: [SHARED_DEFAULTS.imageSizePx] }, { db, log });
const split = await splitProducts({ seed: 42, manifestDir: path.join(home, 'splits') }, { db, log });
process.stderr.write(`data ready in ${((performance.now() - started) / 1000).toFixed(0)} s (split ${split.manifest.dataSha256.slice(0, 12)})\n`);

const testBoth = (await loadSplit(db, { split: 'test', imageSizePx: SHARED_DEFAULTS.imageSizePx })).filter((r) => r.text && r.imagePath);
// Bundles already trained in this home (a rerun of some kinds with BENCH_HOME reuses the others).
interface BenchRow {
  model: ModelKind;
  testProducts: number;
  weightedF1: number;
  macroF1: number;
  accuracy: number;
  top3Accuracy: number;
  ece: number;
  bothModalities: { products: number; weightedF1: number; accuracy: number };
  trainSeconds: number;
  inferenceMsPerProduct: number;
  sizeMb: number;
  validationWeightedF1: number;
  epochsRun: number;
  isReused: boolean;
}
const bundles: Partial<Record<ModelKind, string>> = Object.fromEntries(
  ['tfidf', 'tfidf-char', 'cnn']
    .map((kind) => [kind, path.join(home, 'bundles', kind)] as const)
    .filter(([, dir]) => existsSync(path.join(dir, 'manifest.json'))),
);
const rows: BenchRow[] = [];
for (const kind of kinds) {
  process.stderr.write(`training ${kind}...\n`);
  const defaults = TRAINING_DEFAULTS[kind];
  const bundleDir = path.join(home, 'bundles', kind);
  const reuse = isReused(kind);
  if (!reuse) trainedNow.add(kind);
  const trained = reuse
    ? await reusedTraining(bundleDir)
    : await trainModel(
        {
          kind,
          bundleDir,
          options: {
            ...SHARED_DEFAULTS,
            ...defaults,
            ...OPTIONS_OVERRIDE[kind],
            epochs: Math.max(1, Math.round((EPOCHS_OVERRIDE[kind] ?? defaults.epochs) * epochsScale)),
            componentBundles: { text: bundles['tfidf-char'] ?? bundles.tfidf, image: bundles.cnn },
          },
        },
        { db, log, engine, onProgress: progress(kind) },
      );
  bundles[kind] = bundleDir;
  const evaluation = await evaluateBundle({ bundleDir, split: 'test', reportsDir: path.join(home, 'reports') }, { db, log });
  const classifier = await loadClassifier(bundleDir);
  const inferStarted = performance.now();
  const both = await predictRows(classifier, testBoth);
  const inferMs = (performance.now() - inferStarted) / Math.max(1, testBoth.length);
  classifier.dispose();
  const bothMetrics = computeMetrics({ labels: both.labels, probabilities: both.probabilities.map((p) => Array.from(p)), numClasses: LABELS.length });
  const manifest = await readManifest(bundleDir);
  const m = evaluation.metrics;
  rows.push({
    model: kind,
    testProducts: m.samples,
    weightedF1: m.weightedF1,
    macroF1: m.macroF1,
    accuracy: m.accuracy,
    top3Accuracy: m.topKAccuracy[3],
    ece: m.expectedCalibrationError,
    bothModalities: { products: testBoth.length, weightedF1: bothMetrics.weightedF1, accuracy: bothMetrics.accuracy },
    trainSeconds: trained.trainSeconds,
    inferenceMsPerProduct: inferMs,
    sizeMb: Object.values(manifest.files).reduce((n, f) => n + f.bytes, 0) / 1e6,
    validationWeightedF1: trained.validation.weightedF1,
    epochsRun: trained.history.length,
    isReused: isReused(kind) && !trainedNow.has(kind),
  });
  process.stderr.write(`  ${kind}: test weighted F1 ${m.weightedF1.toFixed(4)} in ${trained.trainSeconds.toFixed(0)} s\n`);
  await writeReport(false);
}
await db.close();
await writeReport(true);

/** What a reused bundle recorded about its training. */
async function reusedTraining(bundleDir: string) {
  const manifest = await readManifest(bundleDir);
  const metadata = manifest.metadata as { trainSeconds: number; validation: { weightedF1: number }; history: unknown[] };
  return { trainSeconds: metadata.trainSeconds, validation: metadata.validation, history: metadata.history };
}

/** Writes the table so far (after every model, so a long run keeps what it measured). */
async function writeReport(isFinal: boolean): Promise<void> {
  const f = (v: number, d = 4) => v.toFixed(d);
  const table = [
    '| model | test products | weighted F1 | macro F1 | top-3 acc | ECE | weighted F1, text+image products | train s | infer ms/product | size MB |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.model} | ${r.testProducts} | ${f(r.weightedF1)} | ${f(r.macroF1)} | ${f(r.top3Accuracy)} | ${f(r.ece)} | ${f(r.bothModalities.weightedF1)} (n=${r.bothModalities.products}) | ${f(r.trainSeconds, 1)} | ${f(r.inferenceMsPerProduct, 2)} | ${f(r.sizeMb, 1)} |`,
    ),
  ].join('\n');
  const report = {
    date: new Date().toISOString(),
    isComplete: isFinal,
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.version },
    engine: { backend: engine.backend, threads: engine.threads },
    data: { sha256: split.manifest.dataSha256, seed: 42, counts: split.manifest.counts },
    totalSeconds: (performance.now() - started) / 1000,
    rows,
  };
  const dir = path.join('reports', 'bench');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'models.json'), `${JSON.stringify(report, null, 2)}\n`);
  const header = `Split seed 42 (data ${split.manifest.dataSha256.slice(0, 12)}), ${report.machine.cpus} CPUs, engine ${engine.backend} x${engine.threads}, total ${report.totalSeconds.toFixed(0)} s`;
  await writeFile(path.join(dir, 'models.md'), `# Model bench, ${report.date}\n\n${header}\n\n${table}\n`);
  if (isFinal) console.log(`${header}\n\n${table}\n\nwritten: ${dir}/models.json, ${dir}/models.md`);
}
