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
  /** Names the model in progress lines ("lstm epoch 2/8"). */
  label?: string;
  onProgress?: ProgressListener;
  /** Saves the state after every epoch, and/or resumes from one (see models/checkpoint.ts). */
  checkpoint?: CheckpointHooks;
  /** Stops between two steps; the model keeps the best epoch's weights (Ctrl-C). */
  signal?: AbortSignal;
}

/** How a trainer checkpoints: a state to start from, and where each epoch's state goes. */
export interface CheckpointHooks {
  resume?: FitState;
  save?: (state: FitState) => Promise<void>;
}

/** A named array of floats (a model or optimizer weight) in a checkpoint. */
export interface SavedTensor {
  name: string;
  shape: number[];
  values: Float32Array;
}

/**
 * Everything a run needs to continue after its last completed epoch exactly as if it had not
 * stopped: weights, Adam's moments and step count, early-stopping state. Data order and dropout
 * masks are seeded per epoch (seed, epoch), so they need no stored generator state.
 */
export interface FitState {
  nextEpoch: number;
  history: EpochRecord[];
  bestEpoch: number;
  bestValidationWeightedF1: number;
  weights: SavedTensor[];
  bestWeights: SavedTensor[];
  optimizerWeights: SavedTensor[];
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
  /** True when the signal stopped training before its last epoch. */
  isInterrupted: boolean;
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
 * best epoch's weights and stops after `patience` epochs without improvement, or between two steps
 * when the signal aborts. The model is left holding the best weights. With checkpoint hooks it
 * saves its state after every epoch and can start from a saved state.
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

async function savedTensors(tensors: readonly { name: string; tensor: tf.Tensor }[]): Promise<SavedTensor[]> {
  return Promise.all(
    tensors.map(async ({ name, tensor }) => ({ name, shape: [...tensor.shape], values: Float32Array.from(await tensor.data()) })),
  );
}

function toTensors(saved: readonly SavedTensor[]): tf.Tensor[] {
  return saved.map((s) => tf.tensor(s.values, s.shape));
}

/** Time left for the whole fit at the pace so far, assuming every remaining epoch runs. */
function etaMs(elapsedMs: number, stepsDone: number, stepsLeft: number): number | undefined {
  return stepsDone > 0 ? (elapsedMs / stepsDone) * stepsLeft : undefined;
}

function formatF1(f1: number): string {
  return f1.toFixed(4);
}

async function fitSeeded(
  model: tf.LayersModel,
  train: BatchSource,
  validation: BatchSource,
  score: (probabilities: Float32Array[], labels: Int32Array) => number,
  options: NeuralFitOptions,
  classWeights: tf.Tensor | undefined,
): Promise<NeuralFitResult> {
  const optimizer = tf.train.adam(options.learningRate);
  model.compile({ optimizer, loss: weightedCrossEntropy(classWeights) });
  const resume = options.checkpoint?.resume;
  const history: EpochRecord[] = [...(resume?.history ?? [])];
  let best = { epoch: -1, f1: Number.NEGATIVE_INFINITY, weights: [] as tf.Tensor[] };
  if (resume) {
    const weights = toTensors(resume.weights);
    model.setWeights(weights);
    tf.dispose(weights);
    // Adam's setWeights takes [iterations, m..., v...] in the order its getWeights gave them.
    const moments = resume.optimizerWeights.map((w) => ({ name: w.name, tensor: tf.tensor(w.values, w.shape) }));
    await optimizer.setWeights(moments);
    tf.dispose(moments.map((m) => m.tensor));
    best = { epoch: resume.bestEpoch, f1: resume.bestValidationWeightedF1, weights: toTensors(resume.bestWeights) };
  }
  const label = options.label ? `${options.label} ` : '';
  const stepsPerEpoch = Math.ceil(train.size / options.batchSize);
  const firstEpoch = resume?.nextEpoch ?? 0;
  const started = performance.now();
  let stepsDone = 0;
  let isInterrupted = false;
  for (let epoch = firstEpoch; epoch < options.epochs && !isInterrupted; epoch++) {
    const epochStarted = performance.now();
    const stage = `${label}epoch ${epoch + 1}/${options.epochs}`;
    // Seeded per epoch, so a run resumed at this epoch sees the batches and dropout masks an
    // uninterrupted run would.
    const order = shuffledIndices(train.size, seededRandom(options.seed * 7919 + epoch + 1));
    const lossSum = await withSeededMathRandom(options.seed + 104_729 * (epoch + 1), async () => {
      let sum = 0;
      for (let step = 0; step < stepsPerEpoch; step++) {
        // A step never waits on I/O (wasm reads are synchronous), so without this turn of the event
        // loop a SIGINT handler would only run once training is over.
        if (options.signal) await new Promise<void>((resolve) => setImmediate(resolve));
        if (options.signal?.aborted) {
          isInterrupted = true;
          break;
        }
        const rows = order.subarray(step * options.batchSize, (step + 1) * options.batchSize);
        const { xs, ys } = await train.batch(rows, true);
        const loss = await model.trainOnBatch(xs, ys);
        tf.dispose([ys, ...(Array.isArray(xs) ? xs : [xs])]);
        sum += Array.isArray(loss) ? (loss[0] ?? 0) : loss;
        stepsDone++;
        const elapsedMs = performance.now() - started;
        const eta = etaMs(elapsedMs, stepsDone, (options.epochs - epoch) * stepsPerEpoch - step - 1);
        options.onProgress?.({
          stage,
          done: step + 1,
          total: stepsPerEpoch,
          detail: `loss ${(sum / (step + 1)).toFixed(3)}`,
          elapsedMs,
          ...(eta === undefined ? {} : { etaMs: eta }),
        });
      }
      return sum;
    });
    if (isInterrupted) break;
    const f1 = score(await predictSource(model, validation, 256), validation.labels);
    const record = { epoch, loss: lossSum / stepsPerEpoch, validationWeightedF1: f1, seconds: (performance.now() - epochStarted) / 1000 };
    history.push(record);
    const isImproved = f1 > best.f1;
    const previousBest = best.f1;
    if (isImproved) {
      tf.dispose(best.weights);
      best = { epoch, f1, weights: model.getWeights().map((w) => w.clone()) };
    }
    const isStopping = epoch - best.epoch >= options.patience;
    const elapsedMs = performance.now() - started;
    const eta = isStopping ? 0 : etaMs(elapsedMs, stepsDone, (options.epochs - epoch - 1) * stepsPerEpoch);
    const verdict = isImproved
      ? Number.isFinite(previousBest)
        ? `improved from ${formatF1(previousBest)}`
        : 'first epoch'
      : `no improvement (best ${formatF1(best.f1)} at epoch ${best.epoch + 1}${isStopping ? ', early stop' : ''})`;
    options.onProgress?.({
      stage,
      done: stepsPerEpoch,
      total: stepsPerEpoch,
      elapsedMs,
      ...(eta === undefined ? {} : { etaMs: eta }),
      note: `${stage} done in ${record.seconds.toFixed(0)} s: loss ${record.loss.toFixed(3)}, validation weighted F1 ${formatF1(f1)}, ${verdict}`,
    });
    if (options.checkpoint?.save) {
      const named = (tensors: tf.Tensor[]) => tensors.map((tensor, i) => ({ name: model.weights[i]?.originalName ?? String(i), tensor }));
      const optimizerWeights = await optimizer.getWeights();
      await options.checkpoint.save({
        nextEpoch: epoch + 1,
        history: [...history],
        bestEpoch: best.epoch,
        bestValidationWeightedF1: best.f1,
        weights: await savedTensors(named(model.getWeights())),
        bestWeights: await savedTensors(named(best.weights)),
        optimizerWeights: await savedTensors(optimizerWeights),
      });
      // The step count is a fresh scalar; the moments are the optimizer's own variables.
      optimizerWeights[0]?.tensor.dispose();
    }
    if (isStopping) break;
  }
  if (best.weights.length > 0) {
    model.setWeights(best.weights);
    tf.dispose(best.weights);
  }
  return { history, bestEpoch: best.epoch, bestValidationWeightedF1: best.f1, isInterrupted };
}
