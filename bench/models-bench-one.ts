/**
 * One model of `npm run bench:models`, in its own process so that the peak RSS it reports is this
 * model's training alone (process.resourceUsage().maxRSS never goes down). Started by
 * bench/models-bench.ts with one JSON argument (BenchJob); writes a BenchJobResult to job.resultPath.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig, silentLogger } from '../core/index.js';
import { loadSplit, openDatabase } from '../data/index.js';
import { readManifest } from '../models/bundle.js';
import { LABELS, type ModelKind } from '../models/classifiers/classifier.js';
import { useBackend } from '../models/engine/index.js';
import { computeMetrics } from '../models/evaluation/index.js';
import { evaluateBundle } from '../models/evaluate.js';
import { loadClassifier } from '../models/load-classifier.js';
import { predictRows, rowsFor, trainModel } from '../models/train.js';
import { SHARED_DEFAULTS, TRAINING_DEFAULTS } from '../models/training-defaults.js';

export interface BenchJob {
  kind: ModelKind;
  /** The bench's data home (database, image cache, bundles). */
  home: string;
  epochs: number;
  options: Record<string, unknown>;
  /** Bundles of this run that combining models (late fusion, fusion) reuse. */
  componentBundles: { text?: string; image?: string };
  dataSha256: string;
  resultPath: string;
}

export interface BenchJobResult {
  model: ModelKind;
  testProducts: number;
  weightedF1: number;
  macroF1: number;
  accuracy: number;
  top3Accuracy: number;
  ece: number;
  bothModalities: { products: number; weightedF1: number; accuracy: number };
  trainSeconds: number;
  /** Peak RSS of this process by the end of training (evaluation not included). */
  trainPeakRssMb: number;
  inferenceMsPerProduct: number;
  sizeMb: number;
  validationWeightedF1: number;
  epochsRun: number;
  bundleDir: string;
}

const INFERENCE_ROWS = 2000;

const job = JSON.parse(process.argv[2] ?? '{}') as BenchJob;
const config = loadConfig(process.env);
const log = silentLogger();
const engine = await useBackend({ preference: config.engine.backend, threads: config.engine.threads });
const db = await openDatabase({ home: job.home });
const bundleDir = path.join(job.home, 'bundles', job.kind);
const progress = (p: { stage: string; done: number; total: number; detail?: string }) => {
  if (p.done === p.total || p.stage.includes('epoch')) {
    // train.ts already names the model in each stage.
    process.stderr.write(`  ${p.stage}: ${p.done}/${p.total}${p.detail ? ` ${p.detail}` : ''}\n`);
  }
};
const trained = await trainModel(
  {
    kind: job.kind,
    bundleDir,
    options: {
      ...SHARED_DEFAULTS,
      ...TRAINING_DEFAULTS[job.kind],
      ...job.options,
      epochs: job.epochs,
      componentBundles: Object.fromEntries(
        Object.entries(job.componentBundles).filter(([, dir]) => existsSync(path.join(dir, 'manifest.json'))),
      ),
    },
  },
  { db, log, engine, onProgress: progress },
);
const trainPeakRssMb = process.resourceUsage().maxRSS / 1024;
if (trained.dataSha256 !== job.dataSha256)
  throw new Error(`split changed during the bench (${trained.dataSha256})`);

const evaluation = await evaluateBundle(
  { bundleDir, split: 'test', reportsDir: path.join(job.home, 'reports') },
  { db, log },
);
const testRows = await loadSplit(db, {
  split: 'test',
  imageSizePx: TRAINING_DEFAULTS[job.kind].imageSizePx ?? SHARED_DEFAULTS.imageSizePx,
});
const classifier = await loadClassifier(bundleDir);
const timedRows = rowsFor(classifier, testRows).slice(0, INFERENCE_ROWS);
const inferStarted = performance.now();
await predictRows(classifier, timedRows);
const inferenceMsPerProduct = (performance.now() - inferStarted) / Math.max(1, timedRows.length);
const testBoth = testRows.filter((r) => r.text && r.imagePath);
const both = await predictRows(classifier, testBoth);
classifier.dispose();
await db.close();
const bothMetrics = computeMetrics({
  labels: both.labels,
  probabilities: both.probabilities.map((p) => Array.from(p)),
  numClasses: LABELS.length,
});
const manifest = await readManifest(bundleDir);
const m = evaluation.metrics;
const result: BenchJobResult = {
  model: job.kind,
  testProducts: m.samples,
  weightedF1: m.weightedF1,
  macroF1: m.macroF1,
  accuracy: m.accuracy,
  top3Accuracy: m.topKAccuracy[3] ?? 0,
  ece: m.expectedCalibrationError,
  bothModalities: {
    products: testBoth.length,
    weightedF1: bothMetrics.weightedF1,
    accuracy: bothMetrics.accuracy,
  },
  trainSeconds: trained.trainSeconds,
  trainPeakRssMb,
  inferenceMsPerProduct,
  sizeMb: Object.values(manifest.files).reduce((n, f) => n + f.bytes, 0) / 1e6,
  validationWeightedF1: trained.validation.weightedF1,
  epochsRun: trained.history.length,
  bundleDir,
};
await writeFile(job.resultPath, `${JSON.stringify(result, null, 2)}\n`);
