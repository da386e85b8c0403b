import * as tf from '@tensorflow/tfjs';
import type { ProgressListener } from '../core/index.js';
import { withSeededMathRandom } from './seeded-math-random.js';
import { seededRandom, shuffledIndices } from './text/seeded-random.js';

/** Where batches come from: the trainer asks for the rows it wants, in its own order. */
export interface BatchSource {
  size: number;
  /** Inputs and one-hot targets of these rows; may augment (training only). */
  batch: (rows: Int32Array, isTraining: boolean) => Promise<{ xs: tf.Tensor | tf.Tensor[]; ys: tf.Tensor }>;
  labels: Int32Array;
}

export interface NeuralFitOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  /** Per-class loss weights (balanced by default in train.ts); undefined for none. */
  classWeights?: Float32Array;
  /** Epochs without a better validation weighted F1 before stopping. */
  patience: number;
  onProgress?: ProgressListener;
  /** Runs after every epoch with the epoch's record, e.g. to checkpoint. */
  onEpochEnd?: (record: EpochRecord, model: tf.LayersModel) => Promise<void>;
  /** First epoch to run (resume); earlier epochs are skipped, not replayed. */
  startEpoch?: number;
  signal?: AbortSignal;
}

export interface EpochRecord {
  epoch: number;
  loss: number;
  validationWeightedF1: number;
  seconds: number;
}

export interface NeuralFitResult {
  history: EpochRecord[];
  bestEpoch: number;
  bestValidationWeightedF1: number;
}

/** Cross-entropy with per-class weights, as a tfjs loss function. */
function weightedCrossEntropy(weights: tf.Tensor | undefined) {
  return (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor =>
    tf.tidy(() => {
      const clipped = tf.clipByValue(yPred, 1e-7, 1 - 1e-7);
      const perClass = tf.mul(yTrue, tf.log(clipped));
      const weighted = weights ? tf.mul(perClass, weights) : perClass;
      return tf.neg(tf.mean(tf.sum(weighted, -1)));
    });
}

/** Predicted probabilities for every row of a source, batch by batch. */
export async function predictSource(model: tf.LayersModel, source: BatchSource, batchSize: number): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let start = 0; start < source.size; start += batchSize) {
    const rows = Int32Array.from({ length: Math.min(batchSize, source.size - start) }, (_, i) => start + i);
    const { xs, ys } = await source.batch(rows, false);
    const probs = tf.tidy(() => model.predict(xs) as tf.Tensor2D);
    const values = await probs.data();
    const classes = probs.shape[1];
    for (let i = 0; i < rows.length; i++) out.push(Float32Array.from(values.subarray(i * classes, (i + 1) * classes)));
    tf.dispose([probs, ys, ...(Array.isArray(xs) ? xs : [xs])]);
  }
  return out;
}

/**
 * Trains with Adam on seeded shuffles, scores validation weighted F1 after every epoch, keeps the
 * best epoch's weights and stops after `patience` epochs without improvement. The model is left
 * holding the best weights.
 */
export async function fitWithEarlyStopping(
  model: tf.LayersModel,
  train: BatchSource,
  validation: BatchSource,
  score: (probabilities: Float32Array[], labels: Int32Array) => number,
  options: NeuralFitOptions,
): Promise<NeuralFitResult> {
  const classWeights = options.classWeights ? tf.tensor1d(options.classWeights) : undefined;
  try {
    return await fitSeeded(model, train, validation, score, options, classWeights);
  } finally {
    classWeights?.dispose();
  }
}

function fitSeeded(
  model: tf.LayersModel,
  train: BatchSource,
  validation: BatchSource,
  score: (probabilities: Float32Array[], labels: Int32Array) => number,
  options: NeuralFitOptions,
  classWeights: tf.Tensor | undefined,
): Promise<NeuralFitResult> {
  return withSeededMathRandom(options.seed, async () => {
    model.compile({ optimizer: tf.train.adam(options.learningRate), loss: weightedCrossEntropy(classWeights) });
    const random = seededRandom(options.seed + 1);
    const history: EpochRecord[] = [];
    let best = { epoch: -1, f1: Number.NEGATIVE_INFINITY, weights: [] as tf.Tensor[] };
    const stepsPerEpoch = Math.ceil(train.size / options.batchSize);
    const firstEpoch = options.startEpoch ?? 0;
    // Replay the shuffles of skipped epochs so a resumed run sees the batches a full run would.
    for (let e = 0; e < firstEpoch; e++) shuffledIndices(train.size, random);
    for (let epoch = firstEpoch; epoch < options.epochs; epoch++) {
      if (options.signal?.aborted) break;
      const started = performance.now();
      const order = shuffledIndices(train.size, random);
      let lossSum = 0;
      for (let step = 0; step < stepsPerEpoch; step++) {
        const rows = order.subarray(step * options.batchSize, (step + 1) * options.batchSize);
        const { xs, ys } = await train.batch(rows, true);
        const loss = await model.trainOnBatch(xs, ys);
        tf.dispose([ys, ...(Array.isArray(xs) ? xs : [xs])]);
        lossSum += Array.isArray(loss) ? (loss[0] ?? 0) : loss;
        options.onProgress?.({
          stage: `epoch ${epoch + 1}/${options.epochs}`,
          done: step + 1,
          total: stepsPerEpoch,
          detail: `loss ${(lossSum / (step + 1)).toFixed(3)}`,
        });
      }
      const f1 = score(await predictSource(model, validation, 256), validation.labels);
      const record = { epoch, loss: lossSum / stepsPerEpoch, validationWeightedF1: f1, seconds: (performance.now() - started) / 1000 };
      history.push(record);
      if (f1 > best.f1) {
        tf.dispose(best.weights);
        best = { epoch, f1, weights: model.getWeights().map((w) => w.clone()) };
      }
      await options.onEpochEnd?.(record, model);
      if (epoch - best.epoch >= options.patience) break;
    }
    if (best.weights.length > 0) {
      model.setWeights(best.weights);
      tf.dispose(best.weights);
    }
    return { history, bestEpoch: best.epoch, bestValidationWeightedF1: best.f1 };
  });
}
