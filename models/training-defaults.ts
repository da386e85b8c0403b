import type { ModelKind } from './classifiers/classifier.js';
import type { TrainerOptions } from './classifiers/trainer.js';

type Defaults = Pick<TrainerOptions, 'epochs' | 'batchSize' | 'learningRate' | 'patience'>;

/**
 * Settings that train each kind well on 2 cores, chosen on our own validation split (never the
 * holdout). Flags override any of them.
 */
export const TRAINING_DEFAULTS: Readonly<Record<ModelKind, Defaults>> = {
  tfidf: { epochs: 10, batchSize: 1, learningRate: 0.5, patience: 3 },
  'tfidf-char': { epochs: 8, batchSize: 1, learningRate: 0.5, patience: 3 },
  fasttext: { epochs: 15, batchSize: 1, learningRate: 0.8, patience: 15 },
  lstm: { epochs: 8, batchSize: 64, learningRate: 2e-3, patience: 2 },
  cnn: { epochs: 25, batchSize: 32, learningRate: 1e-3, patience: 5 },
  fusion: { epochs: 8, batchSize: 64, learningRate: 2e-3, patience: 2 },
  'late-fusion': { epochs: 1, batchSize: 1, learningRate: 0, patience: 0 },
};

export const SHARED_DEFAULTS = {
  seed: 42,
  useClassWeights: true,
  vocabularySize: 10_000,
  sequenceLength: 48,
  imageSizePx: 64,
} as const;
