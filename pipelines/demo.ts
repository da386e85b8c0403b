import path from 'node:path';
import type { Config, Logger, ProgressListener } from '../core/index.js';
import { InputError } from '../core/index.js';
import { cleanProducts, importProducts, loadSplit, openDatabase, prepareImages, splitProducts } from '../data/index.js';
import { CATEGORIES } from '../data/index.js';
import { useBackend } from '../models/engine/index.js';
import { evaluateBundle } from '../models/evaluate.js';
import { loadClassifier } from '../models/load-classifier.js';
import { type TrainInput, trainModel } from '../models/train.js';
import { SHARED_DEFAULTS, TRAINING_DEFAULTS } from '../models/training-defaults.js';

export interface DemoStep {
  step: string;
  seconds: number;
  summary: string;
}

export interface DemoPrediction {
  productid: number;
  trueCode: number;
  modality: 'text' | 'image' | 'both';
  text: string | null;
  top3: { prdtypecode: number; name: string; probability: number }[];
}

export interface DemoResult {
  home: string;
  steps: DemoStep[];
  predictions: DemoPrediction[];
  reports: string[];
}

const NAME_OF = new Map(CATEGORIES.map((c) => [c.code, c.name]));

/**
 * `npm run demo`: the whole journey on the embedded defaults (SQLite and a local folder under
 * home) with quick settings: import the challenge data, clean, resize, split, train a text, an
 * image and a late-fusion model, evaluate them on the test split, and predict a few real products.
 */
export async function runDemo(config: Config, deps: { log: Logger; onProgress?: ProgressListener }): Promise<DemoResult> {
  const dataDir = config.dataDir;
  if (!dataDir) {
    throw new InputError('DATA_DIR_MISSING', 'The demo needs the challenge data.', {
      hint: 'Set RAKUTEN_DATA_DIR to the folder with X_train.csv (default ../shared/data/rakuten).',
    });
  }
  const steps: DemoStep[] = [];
  const timed = async <T>(step: string, run: () => Promise<T>, summary: (r: T) => string): Promise<T> => {
    const started = performance.now();
    const result = await run();
    steps.push({ step, seconds: (performance.now() - started) / 1000, summary: summary(result) });
    return result;
  };
  const engine = await useBackend({ preference: config.engine.backend, threads: config.engine.threads });
  const db = await openDatabase({ home: config.home, databaseUrl: config.databaseUrl });
  const stage = { db, log: deps.log, ...(deps.onProgress ? { onProgress: deps.onProgress } : {}) };
  try {
    await timed(
      'data import',
      () =>
        importProducts(
          {
            textFiles: [
              { xPath: path.join(dataDir, 'X_train.csv'), yPath: path.join(dataDir, 'Y_train.csv'), source: 'challenge' },
              { xPath: path.join(dataDir, 'X_train_titles.csv'), yPath: path.join(dataDir, 'Y_train_titles.csv'), source: 'challenge_titles' },
            ],
            imageDir: path.join(dataDir, 'images', 'image_train'),
            idsPath: path.join(dataDir, 'ids_all.csv'),
          },
          stage,
        ),
      (r) => `${r.textRows} text rows, ${r.imageOnlyRows} image-only rows, ${r.imported} new, ${r.skipped} unchanged`,
    );
    await timed('data clean', () => cleanProducts({}, stage), (r) => `${r.cleaned} cleaned`);
    await timed(
      'data images',
      () => prepareImages({ cacheDir: path.join(config.home, 'images'), sizesPx: [SHARED_DEFAULTS.imageSizePx] }, stage),
      (r) => `${r.productsReady} products with a ${SHARED_DEFAULTS.imageSizePx}px image`,
    );
    await timed(
      'data split',
      () => splitProducts({ seed: SHARED_DEFAULTS.seed, manifestDir: path.join(config.home, 'splits') }, stage),
      (r) => `train ${r.manifest.counts.train.total}, validation ${r.manifest.counts.validation.total}, test ${r.manifest.counts.test.total}`,
    );
    const bundles = path.join(config.home, 'bundles');
    const train = (kind: TrainInput['kind'], epochs: number, extra: Partial<TrainInput['options']> = {}) =>
      timed(
        `train ${kind}`,
        () =>
          trainModel(
            { kind, bundleDir: path.join(bundles, `demo-${kind}`), options: { ...SHARED_DEFAULTS, ...TRAINING_DEFAULTS[kind], epochs, ...extra } },
            { ...stage, engine },
          ),
        (r) => `validation weighted F1 ${r.validation.weightedF1.toFixed(3)}, temperature ${r.temperature.toFixed(2)}`,
      );
    const text = await train('tfidf-char', 4);
    const image = await train('cnn', 6);
    const fused = await train('late-fusion', 1, { componentBundles: { text: text.bundleDir, image: image.bundleDir } });
    const reports: string[] = [];
    for (const bundleDir of [text.bundleDir, image.bundleDir, fused.bundleDir]) {
      const evaluation = await timed(
        `evaluate ${path.basename(bundleDir)}`,
        () => evaluateBundle({ bundleDir, split: 'test', reportsDir: path.join(config.home, 'reports') }, { db, log: deps.log }),
        (r) => `test weighted F1 ${r.metrics.weightedF1.toFixed(3)} on ${r.metrics.samples} products`,
      );
      reports.push(evaluation.reportHtml);
    }
    const predictions = await predictExamples(fused.bundleDir, await loadSplit(db, { split: 'test', imageSizePx: SHARED_DEFAULTS.imageSizePx }));
    return { home: config.home, steps, predictions, reports };
  } finally {
    await db.close();
  }
}

/** Three real test products, one per modality, predicted by the late-fusion model. */
async function predictExamples(bundleDir: string, rows: Awaited<ReturnType<typeof loadSplit>>): Promise<DemoPrediction[]> {
  const picks = [
    { modality: 'text' as const, row: rows.find((r) => r.text && !r.imagePath) },
    { modality: 'image' as const, row: rows.find((r) => !r.text && r.imagePath) },
    { modality: 'both' as const, row: rows.find((r) => r.text && r.imagePath) },
  ];
  const classifier = await loadClassifier(bundleDir);
  try {
    const chosen = picks.filter((p) => p.row !== undefined);
    const inputs = chosen.map(({ modality, row }) => ({
      text: modality === 'image' ? null : (row?.text ?? null),
      image: modality === 'text' ? null : (row?.imagePath ?? null),
    }));
    const probabilities = await classifier.predictProba(inputs);
    return chosen.map(({ modality, row }, i) => {
      const p = probabilities[i] ?? new Float32Array();
      const top3 = Array.from(p, (probability, c) => ({ c, probability }))
        .sort((a, b) => b.probability - a.probability)
        .slice(0, 3)
        .map(({ c, probability }) => {
          const code = classifier.labels[c] ?? 0;
          return { prdtypecode: code, name: NAME_OF.get(code) ?? '', probability };
        });
      return { productid: row?.productid ?? 0, trueCode: row?.label ?? 0, modality, text: row?.text?.slice(0, 80) ?? null, top3 };
    });
  } finally {
    classifier.dispose();
  }
}
