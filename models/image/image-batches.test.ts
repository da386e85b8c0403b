import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { predictInBatches, uniformRow } from './image-batches.js';

describe('predictInBatches', () => {
  it('predicts the non-null inputs in batches, in order, and leaves a null input uniform', async () => {
    const batches: number[][] = [];
    const inputs = [3, null, 5, 7, null, 11];
    const rows = await predictInBatches(inputs, {
      batchSize: 2,
      numClasses: 2,
      predictBatch: async (batch) => {
        batches.push(batch);
        // Row i is [v, 1 - v] with v = value / 100, so each answer names its input.
        return tf.tensor2d(
          batch.flatMap((v) => [v / 100, 1 - v / 100]),
          [batch.length, 2],
        );
      },
    });
    expect(batches).toEqual([
      [3, 5],
      [7, 11],
    ]);
    expect(rows.map((r) => Array.from(r).map((v) => Number(v.toFixed(2))))).toEqual([
      [0.03, 0.97],
      [0.5, 0.5],
      [0.05, 0.95],
      [0.07, 0.93],
      [0.5, 0.5],
      [0.11, 0.89],
    ]);
  });

  it('disposes every batch tensor, and a failed batch rejects the whole call', async () => {
    const before = tf.memory().numTensors;
    await predictInBatches([1, 2, 3], {
      batchSize: 2,
      numClasses: 2,
      predictBatch: async (batch) => tf.ones([batch.length, 2]) as tf.Tensor2D,
    });
    expect(tf.memory().numTensors).toBe(before);
    await expect(
      predictInBatches([1], {
        batchSize: 2,
        numClasses: 2,
        predictBatch: async () => Promise.reject(new Error('decode failed')),
      }),
    ).rejects.toThrow('decode failed');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('answers uniform rows when no input can be read', async () => {
    const rows = await predictInBatches([null, null], {
      batchSize: 4,
      numClasses: 3,
      predictBatch: async () => Promise.reject(new Error('never called')),
    });
    expect(rows).toEqual([uniformRow(3), uniformRow(3)]);
  });
});
