import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from './engine/index.js';
import { type BatchSource, type FitState, fitWithEarlyStopping } from './fit-neural.js';
import { buildTextCnn, WORD_CNN } from './text-cnn.js';

const ROWS = 48;
const LENGTH = 6;
const CLASSES = 3;
// Tokens 2..9 belong to class 0, 10..17 to 1, 18..25 to 2: learnable in a few epochs.
const labels = Int32Array.from({ length: ROWS }, (_, i) => i % CLASSES);
const tokens = Int32Array.from({ length: ROWS * LENGTH }, (_, k) => 2 + 8 * (labels[Math.floor(k / LENGTH)] ?? 0) + ((k * 7) % 8));

const source: BatchSource = {
  size: ROWS,
  labels,
  batch: async (rows) => ({
    xs: tf.tensor2d(Int32Array.from({ length: rows.length * LENGTH }, (_, k) => tokens[(rows[Math.floor(k / LENGTH)] ?? 0) * LENGTH + (k % LENGTH)] ?? 0), [rows.length, LENGTH], 'int32'),
    ys: tf.oneHot(tf.tensor1d(Array.from(rows, (r) => labels[r] ?? 0), 'int32'), CLASSES),
  }),
};

const accuracy = (probabilities: Float32Array[], truth: Int32Array) =>
  probabilities.filter((p, i) => p.indexOf(Math.max(...p)) === truth[i]).length / truth.length;

const model = () => buildTextCnn({ ...WORD_CNN, filters: 8, embeddingDim: 4, numClasses: CLASSES, vocabularySize: 30, sequenceLength: LENGTH, seed: 3 });
const options = { epochs: 4, batchSize: 8, learningRate: 0.02, seed: 5, patience: 10 };

describe('fitWithEarlyStopping checkpoints', () => {
  beforeAll(async () => {
    await useBackend({ preference: 'wasm' });
  });

  it('a run resumed from its epoch-2 checkpoint ends with the weights and history of an uninterrupted run', async () => {
    const states: FitState[] = [];
    const full = model();
    const uninterrupted = await fitWithEarlyStopping(full, source, source, accuracy, {
      ...options,
      checkpoint: { save: async (state) => void states.push(state) },
    });
    expect(states.map((s) => s.nextEpoch)).toEqual([1, 2, 3, 4]);
    expect(uninterrupted.bestValidationWeightedF1).toBeGreaterThan(0.6);

    const resumedModel = model();
    const resumed = await fitWithEarlyStopping(resumedModel, source, source, accuracy, {
      ...options,
      checkpoint: { resume: states[1] },
    });
    expect(resumed.history).toEqual(
      uninterrupted.history.map((h, i) => ({ ...h, seconds: resumed.history[i]?.seconds })),
    );
    const a = full.getWeights().map((w) => Array.from(w.dataSync()));
    const b = resumedModel.getWeights().map((w) => Array.from(w.dataSync()));
    const largestGap = Math.max(...a.flatMap((weights, i) => weights.map((v, j) => Math.abs(v - (b[i]?.[j] ?? Number.NaN)))));
    expect(largestGap).toBeLessThan(1e-5);
    full.dispose();
    resumedModel.dispose();
  });

  it('stops between two steps when the signal aborts, keeping the best epoch', async () => {
    const controller = new AbortController();
    const m = model();
    let steps = 0;
    const result = await fitWithEarlyStopping(m, source, source, accuracy, {
      ...options,
      signal: controller.signal,
      onProgress: () => {
        steps++;
        // Abort in the middle of epoch 2 (6 steps an epoch, plus the epoch's note).
        if (steps === 10) controller.abort();
      },
    });
    expect(result.isInterrupted).toBe(true);
    expect(result.history.length).toBe(1);
    expect(result.bestEpoch).toBe(0);
    m.dispose();
  });
});
