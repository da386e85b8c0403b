import type { ProgressListener } from '../../core/index.js';
import type { SplitRow } from '../../data/index.js';
import type { BundleManifest } from '../bundle.js';
import type { CheckpointHooks, EpochRecord, NeuralFitOptions } from '../fit-neural.js';
import { balancedClassWeights, type Classifier, LABELS } from './classifier.js';

/** The rows a trainer learns from; every row of each split, missing modalities as null. */
export interface TrainingData {
  train: readonly SplitRow[];
  validation: readonly SplitRow[];
}

/** Options every trainer understands; a trainer ignores what does not apply to it. */
export interface TrainerOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  /** Early-stopping patience, in epochs without a better validation weighted F1. */
  patience: number;
  /** Weight the loss by inverse class frequency. */
  useClassWeights: boolean;
  /** Text models: vocabulary size and sequence length. */
  vocabularySize: number;
  sequenceLength: number;
  /** Image models: square input size; must be a size `data images` cached. */
  imageSizePx: number;
  /**
   * image-transfer: a bundled backbone (mobilenet-v2, mobilenet-v2-mid, inception-v3) or a folder with
   * a tfjs model; `a+b` concatenates two backbones' features. Default mobilenet-v2-mid+mobilenet-v2.
   */
  backbone?: string;
  /** fusion: 'parts' (default) learns a head over trained text and image bundles; 'reference' trains both trunks from scratch. */
  fusionArch?: 'parts' | 'reference';
  /** Bundle directories of trained models a combining model reuses (late fusion). */
  componentBundles?: { text?: string; image?: string };
  /** Opens a component bundle as a calibrated classifier (provided by models/train.ts). */
  loadComponent?: (dir: string) => Promise<Classifier>;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
  /** tfjs trainers: save after every epoch / resume from a saved state (provided by models/train.ts). */
  checkpoint?: CheckpointHooks;
}

/** What a trainer hands back: a working classifier and what its bundle must hold to rebuild it. */
export interface TrainedModel {
  classifier: Classifier;
  files: Record<string, Uint8Array | string>;
  /** Kind-specific settings the loader needs (vocabulary size, image size, ...). */
  settings: Record<string, unknown>;
  history?: EpochRecord[];
}

export type Trainer = (data: TrainingData, options: TrainerOptions) => Promise<TrainedModel>;

/** An opened, hash-checked bundle, as a loader receives it. */
export interface OpenedBundle {
  dir: string;
  manifest: BundleManifest;
  read: (name: string) => Promise<Buffer>;
  settings: Record<string, unknown>;
  /** Opens a bundle nested in this one (late fusion keeps its components inside). */
  openComponent: (subdir: string) => Promise<Classifier>;
}

export type Loader = (bundle: OpenedBundle) => Promise<Classifier>;

/** Rows of a split that hold what a modality needs. */
export function rowsWith(rows: readonly SplitRow[], modality: 'text' | 'image'): SplitRow[] {
  return rows.filter((r) => (modality === 'text' ? Boolean(r.text) : r.imagePath !== null));
}

/** The shared training loop's options from a trainer's options (class weights from the train labels). */
export function neuralFitOptions(options: TrainerOptions, trainLabels: Int32Array): NeuralFitOptions {
  return {
    epochs: options.epochs,
    batchSize: options.batchSize,
    learningRate: options.learningRate,
    seed: options.seed,
    patience: options.patience,
    ...(options.useClassWeights ? { classWeights: balancedClassWeights(trainLabels, LABELS.length) } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.checkpoint ? { checkpoint: options.checkpoint } : {}),
  };
}
