import { rm } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Logger, ProgressListener } from '../core/index.js';
import { currentSplitManifest, type Database, loadSplit, type SplitRow } from '../data/index.js';
import { bundleDigest, writeBundle } from './bundle.js';
import { checkpointPathOf, writeCheckpoint } from './checkpoint.js';
import { type Classifier, LABELS, labelIndexOf, type ModelKind } from './classifiers/classifier.js';
import { MODEL_FAMILIES } from './classifiers/registry-of-kinds.js';
import type { TrainerOptions } from './classifiers/trainer.js';
import type { EngineInfo } from './engine/index.js';
import { computeMetrics, fitTemperature } from './evaluation/index.js';
import type { CheckpointHooks, EpochRecord, FitState } from './fit-neural.js';
import { calibrated, loadClassifier } from './load-classifier.js';
import { TRAINING_DEFAULTS } from './training-defaults.js';

export interface TrainInput {
  kind: ModelKind;
  /** Where the bundle is written (replaced atomically if it exists). */
  bundleDir: string;
  options: Omit<TrainerOptions, 'onProgress' | 'signal' | 'loadComponent' | 'checkpoint'>;
  /** Continue from this saved state (models/resume-training.ts) instead of epoch 1. */
  resumeFrom?: FitState;
  /** fusion / late-fusion without component bundles: the kinds to train first (default DEFAULT_PARTS). */
  parts?: PartKinds;
}

/** The text and image model kinds a combining model is built from. */
export interface PartKinds {
  text?: ModelKind;
  image?: ModelKind;
}

export interface TrainDeps {
  db: Database;
  log: Logger;
  engine: EngineInfo;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
}

export interface TrainResult {
  kind: ModelKind;
  bundleDir: string;
  /** sha256 of the bundle manifest: the model version's content id. */
  bundleSha256: string;
  dataSha256: string;
  temperature: number;
  /** Calibrated scores on the validation split (what early stopping and the gate look at). */
  validation: {
    samples: number;
    accuracy: number;
    weightedF1: number;
    macroF1: number;
    top3Accuracy: number;
    ece: number;
    eceBeforeCalibration: number;
    logLoss: number;
    logLossBeforeCalibration: number;
  };
  history: EpochRecord[];
  trainSeconds: number;
  /** Stopped by the signal (Ctrl-C): the bundle holds the best epoch so far, the checkpoint stays. */
  isInterrupted?: boolean;
}

/** Rows a classifier can read: text models need text, image models an image, fusion either. */
export function rowsFor(classifier: Pick<Classifier, 'modalities'>, rows: readonly SplitRow[]): SplitRow[] {
  return rows.filter(
    (r) =>
      (classifier.modalities.includes('text') && Boolean(r.text)) ||
      (classifier.modalities.includes('image') && r.imagePath !== null),
  );
}

/** Class probabilities of labelled rows, and their class indices. */
export async function predictRows(classifier: Classifier, rows: readonly SplitRow[]) {
  const probabilities = await classifier.predictProba(
    rows.map((r) => ({ text: r.text, image: r.imagePath })),
  );
  return { probabilities, labels: rows.map((r) => labelIndexOf(r.label)) };
}

/** What `fusion` (from parts) and `late-fusion` train first when no component bundle is given. */
export const DEFAULT_PARTS: Readonly<Required<PartKinds>> = { text: 'text-svm', image: 'image-transfer' };

/**
 * A combining model given no text or image bundle trains the default part first, into
 * `<bundleDir>-parts/<text|image>`, with that kind's defaults and this run's seed.
 */
async function withTrainedParts(input: TrainInput, deps: TrainDeps): Promise<TrainInput> {
  const isCombining =
    input.kind === 'late-fusion' || (input.kind === 'fusion' && input.options.fusionArch !== 'reference');
  if (!isCombining) return input;
  const given = input.options.componentBundles ?? {};
  const parts = { ...given };
  for (const modality of ['text', 'image'] as const) {
    if (parts[modality] !== undefined) continue;
    const kind = input.parts?.[modality] ?? DEFAULT_PARTS[modality];
    deps.log.info({ kind, for: input.kind }, 'training a default part first');
    const part = await trainModel(
      {
        kind,
        bundleDir: path.join(`${input.bundleDir}-parts`, modality),
        options: {
          ...input.options,
          ...TRAINING_DEFAULTS[kind],
          imageSizePx: TRAINING_DEFAULTS[kind].imageSizePx ?? input.options.imageSizePx,
          componentBundles: {},
        },
      },
      deps,
    );
    parts[modality] = part.bundleDir;
  }
  return { ...input, options: { ...input.options, componentBundles: parts } };
}

/** A progress line's text prefixed by the model kind, unless the trainer already named it. */
function namedByKind(kind: ModelKind, text: string): string {
  return text.startsWith(`${kind} `) ? text : `${kind} ${text}`;
}

/**
 * `rakuten-ml train`: reads the train and validation splits, trains one model kind with early
 * stopping on validation weighted F1, fits a temperature on validation, and writes a bundle that
 * names the data (split hash), the engine, the versions and the validation scores.
 */
export async function trainModel(input: TrainInput, deps: TrainDeps): Promise<TrainResult> {
  const started = performance.now();
  input = await withTrainedParts(input, deps);
  const split = await currentSplitManifest(deps.db);
  const imageSizePx = input.options.imageSizePx;
  const data = {
    train: await loadSplit(deps.db, { split: 'train', imageSizePx }),
    validation: await loadSplit(deps.db, { split: 'validation', imageSizePx }),
  };
  const family = MODEL_FAMILIES[input.kind];
  deps.log.info(
    {
      kind: input.kind,
      backend: deps.engine.backend,
      threads: deps.engine.threads,
      reason: deps.engine.reason,
      data: split.dataSha256,
    },
    'training',
  );
  // tfjs trainers save their state after every epoch beside the bundle; `train --resume` reads it.
  const checkpointFile = checkpointPathOf(input.bundleDir);
  const checkpoint: CheckpointHooks = {
    ...(input.resumeFrom ? { resume: input.resumeFrom } : {}),
    save: (state) =>
      writeCheckpoint(checkpointFile, {
        kind: input.kind,
        bundleDir: path.resolve(input.bundleDir),
        dataSha256: split.dataSha256,
        options: { ...input.options },
        state,
      }),
  };
  const onProgress = deps.onProgress;
  const trained = await family.train(data, {
    ...input.options,
    loadComponent: loadClassifier,
    checkpoint,
    // Progress lines name the model (several models train in one demo or bench log), once.
    ...(onProgress
      ? {
          onProgress: (p) =>
            onProgress({
              ...p,
              stage: namedByKind(input.kind, p.stage),
              ...(p.note ? { note: namedByKind(input.kind, p.note) } : {}),
            }),
        }
      : {}),
    ...(deps.signal ? { signal: deps.signal } : {}),
  });
  const trainSeconds = (performance.now() - started) / 1000;

  const validationRows = rowsFor(trained.classifier, data.validation);
  const raw = await predictRows(trained.classifier, validationRows);
  const rawMetrics = computeMetrics({
    labels: raw.labels,
    probabilities: raw.probabilities.map((p) => Array.from(p)),
    numClasses: LABELS.length,
  });
  const temperature = fitTemperature(
    raw.probabilities.map((p) => Array.from(p, (v) => Math.log(Math.max(v, 1e-12)))),
    raw.labels,
  );
  const calibratedClassifier = calibrated(trained.classifier, temperature);
  const scored = await predictRows(calibratedClassifier, validationRows);
  const metrics = computeMetrics({
    labels: scored.labels,
    probabilities: scored.probabilities.map((p) => Array.from(p)),
    numClasses: LABELS.length,
  });
  trained.classifier.dispose();

  const validation = {
    samples: metrics.samples,
    accuracy: metrics.accuracy,
    weightedF1: metrics.weightedF1,
    macroF1: metrics.macroF1,
    top3Accuracy: metrics.topKAccuracy[3] ?? 0,
    ece: metrics.expectedCalibrationError,
    eceBeforeCalibration: rawMetrics.expectedCalibrationError,
    logLoss: metrics.negativeLogLikelihood,
    logLossBeforeCalibration: rawMetrics.negativeLogLikelihood,
  };
  const manifest = await writeBundle(input.bundleDir, {
    kind: input.kind,
    files: trained.files,
    metadata: {
      description: family.description,
      labels: LABELS,
      settings: trained.settings,
      temperature,
      validation,
      history: trained.history ?? [],
      data: { sha256: split.dataSha256, seed: split.seed, counts: split.counts },
      options: input.options,
      engine: { backend: deps.engine.backend, threads: deps.engine.threads, tfjs: tf.version.tfjs },
      versions: { node: process.version, rakutenMl: '0.1.0' },
      trainSeconds,
    },
  });
  const isInterrupted = deps.signal?.aborted === true;
  if (!isInterrupted) await rm(checkpointFile, { force: true });
  deps.log.info(
    {
      kind: input.kind,
      weightedF1: validation.weightedF1,
      temperature,
      seconds: trainSeconds,
      isInterrupted,
    },
    'trained',
  );
  return {
    kind: input.kind,
    bundleDir: path.resolve(input.bundleDir),
    bundleSha256: bundleDigest(manifest),
    dataSha256: split.dataSha256,
    temperature,
    validation,
    history: trained.history ?? [],
    trainSeconds,
    isInterrupted,
  };
}
