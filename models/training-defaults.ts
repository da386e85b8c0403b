import type { ModelKind } from './classifiers/classifier.js';
import type { TrainerOptions } from './classifiers/trainer.js';

type Defaults = Pick<TrainerOptions, 'epochs' | 'batchSize' | 'learningRate' | 'patience'> &
  Partial<Pick<TrainerOptions, 'imageSizePx' | 'vocabularySize' | 'sequenceLength'>>;

/**
 * Settings that train each kind well on 2 cores, chosen on our own validation split (never the
 * holdout). Flags override any of them.
 */
export const TRAINING_DEFAULTS: Readonly<Record<ModelKind, Defaults>> = {
  tfidf: { epochs: 10, batchSize: 1, learningRate: 0.5, patience: 3 },
  'tfidf-char': { epochs: 8, batchSize: 1, learningRate: 0.5, patience: 3 },
  fasttext: { epochs: 15, batchSize: 1, learningRate: 0.8, patience: 15 },
  // One solve (the dual coordinate descent stops on its own tolerance); epochs etc. do not apply.
  'text-svm': { epochs: 1, batchSize: 1, learningRate: 0, patience: 0 },
  lstm: { epochs: 8, batchSize: 64, learningRate: 2e-3, patience: 2 },
  // 84k products know more than 10k useful words, and most are titles (32 tokens hold them); time per
  // epoch in docs/models.md.
  'word-cnn': { epochs: 4, batchSize: 128, learningRate: 2e-3, patience: 1, vocabularySize: 30_000, sequenceLength: 32 },
  cnn: { epochs: 25, batchSize: 32, learningRate: 1e-3, patience: 5 },
  // fusion from trained parts: one full-batch Adam step per epoch on a 162-number head (milliseconds each).
  fusion: { epochs: 400, batchSize: 64, learningRate: 0.05, patience: 60, imageSizePx: 224 },
  'late-fusion': { epochs: 1, batchSize: 1, learningRate: 0, patience: 0, imageSizePx: 224 },
  // The head trains on cached features (seconds per epoch); photos are read at the backbones' 224 px.
  'image-transfer': { epochs: 80, batchSize: 64, learningRate: 1e-3, patience: 10, imageSizePx: 224 },
};

/** `train --model fusion --arch reference`: both trunks from scratch on 64 px photos. */
export const REFERENCE_FUSION_DEFAULTS: Defaults = { epochs: 8, batchSize: 64, learningRate: 2e-3, patience: 2, imageSizePx: 64 };

export const SHARED_DEFAULTS = {
  seed: 42,
  useClassWeights: true,
  vocabularySize: 10_000,
  sequenceLength: 48,
  imageSizePx: 64,
} as const;
