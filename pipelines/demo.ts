import path from 'node:path';
import type { Config, Logger, ProgressListener } from '../core/index.js';
import { InputError } from '../core/index.js';
import { cleanProducts, importProducts, loadSplit, openDatabase, prepareImages, splitProducts } from '../data/index.js';
import { useBackend } from '../models/engine/index.js';
import { evaluateBundle } from '../models/evaluate.js';
import { type TrainInput, trainModel } from '../models/train.js';
import { SHARED_DEFAULTS, TRAINING_DEFAULTS } from '../models/training-defaults.js';
import { GateFailedError, LocalBlobStore, promoteVersion, type RegistryDeps, registerVersion } from '../registry/index.js';
import { type DemoPrediction, serveAndPredict } from './demo-serve.js';
import { runMonitor } from './monitor.js';

export type { DemoPrediction } from './demo-serve.js';

/** The pretrained backbones read 224 px photos; the demo caches only that size. */
const DEMO_IMAGE_SIZE_PX = 224;
const DEMO_BACKBONE = 'mobilenet-v2-mid';

export interface DemoStep {
  step: string;
  seconds: number;
  summary: string;
}

export interface DemoResult {
  home: string;
  steps: DemoStep[];
  /** The champion the server loaded (`rakuten@champion`). */
  champion: { name: string; version: number; isNew: boolean; promotion: string };
  server: { url: string; email: string; model: { name: string; version: string; kind: string } };
  predictions: DemoPrediction[];
  monitor: { summary: string; reportHtml: string; reportJson: string };
  reports: string[];
}

/**
 * `npm run demo`: the whole journey on the embedded defaults (SQLite and a local folder under
 * home) with quick settings: import the challenge data, clean, resize, split, train a text model,
 * the transfer image model (pretrained MobileNetV2-mid features + a head) and the fusion built on
 * both, evaluate them on the test split, register and promote the fusion model, serve `rakuten@champion` over HTTP in-process, sign a seller up and predict real
 * test products through the API, then monitor those predictions.
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
  const store = new LocalBlobStore(path.join(config.home, 'store'));
  const registry: RegistryDeps = { db, log: deps.log, actor: 'demo', store, cacheDir: path.join(config.home, 'cache', 'models') };
  const startedAt = new Date();
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
      () => prepareImages({ cacheDir: path.join(config.home, 'images'), sizesPx: [DEMO_IMAGE_SIZE_PX] }, stage),
      (r) => `${r.productsReady} products with a ${DEMO_IMAGE_SIZE_PX}px image`,
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
    // The best text model is also the quickest to train well (about a minute on 2 free cores).
    const text = await train('text-svm', TRAINING_DEFAULTS['text-svm'].epochs);
    // One backbone, not the default two: its features are most of the demo's time (docs/images.md).
    const image = await train('image-transfer', TRAINING_DEFAULTS['image-transfer'].epochs, { backbone: DEMO_BACKBONE });
    const fused = await train('fusion', TRAINING_DEFAULTS.fusion.epochs, { componentBundles: { text: text.bundleDir, image: image.bundleDir } });
    const reports: string[] = [];
    let fusedF1 = 0;
    for (const bundleDir of [text.bundleDir, image.bundleDir, fused.bundleDir]) {
      const evaluation = await timed(
        `evaluate ${path.basename(bundleDir)}`,
        () => evaluateBundle({ bundleDir, split: 'test', reportsDir: path.join(config.home, 'reports') }, { db, log: deps.log }),
        (r) => `test weighted F1 ${r.metrics.weightedF1.toFixed(3)} on ${r.metrics.samples} products`,
      );
      if (bundleDir === fused.bundleDir) fusedF1 = evaluation.metrics.weightedF1;
      reports.push(evaluation.reportHtml);
    }
    const champion = await timed(
      'register + promote',
      async () => {
        const { version, isNew } = await registerVersion(
          { name: 'rakuten', bundleDir: fused.bundleDir, evaluate: async () => ({ split: 'test', weightedF1: fusedF1 }) },
          registry,
        );
        try {
          const promoted = await promoteVersion({ name: 'rakuten', version: version.version }, registry);
          const promotion = promoted.previousChampion === null ? 'first champion' : `replaced v${promoted.previousChampion}`;
          return { name: 'rakuten', version: version.version, isNew, promotion };
        } catch (error: unknown) {
          // A demo run again on the same home: an earlier champion that scores better stays.
          if (!(error instanceof GateFailedError)) throw error;
          return { name: 'rakuten', version: version.version, isNew, promotion: `kept the current champion (${error.message})` };
        }
      },
      (r) => `rakuten v${r.version}${r.isNew ? ' (new)' : ''}: ${r.promotion}`,
    );
    const testRows = await loadSplit(db, { split: 'test', imageSizePx: DEMO_IMAGE_SIZE_PX });
    const served = await timed(
      'serve + predict over HTTP',
      () => serveAndPredict({ home: config.home, rows: testRows, batchSize: 640 }, { registry, log: deps.log }),
      (r) => `${r.url} served ${r.model.name} v${r.model.version} (${r.model.kind}); ${r.predictions.length} + ${r.batchPredictions} predictions`,
    );
    const monitor = await timed(
      'monitor',
      () => runMonitor({ since: startedAt, modelRef: 'rakuten@champion', reportsDir: path.join(config.home, 'reports') }, registry),
      (r) => r.summary,
    );
    reports.push(monitor.reportHtml);
    return {
      home: config.home,
      steps,
      champion,
      server: { url: served.url, email: served.email, model: served.model },
      predictions: served.predictions,
      monitor: { summary: monitor.summary, reportHtml: monitor.reportHtml, reportJson: monitor.reportJson },
      reports,
    };
  } finally {
    await store.close();
    await db.close();
  }
}
