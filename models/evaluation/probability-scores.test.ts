import { describe, expect, it } from 'vitest';
import { weightedF1OfProbabilities } from './probability-scores.js';

const row = (...values: number[]) => Float32Array.from(values);

describe('weightedF1OfProbabilities', () => {
  it('is 1 when every argmax is the true class and 0 for no rows', () => {
    expect(weightedF1OfProbabilities([row(0.9, 0.1), row(0.2, 0.8)], Int32Array.from([0, 1]))).toBe(1);
    expect(weightedF1OfProbabilities([], new Int32Array(0))).toBe(0);
  });

  it('weights each class F1 by its support', () => {
    // Class 0: 2 of 3 found, nothing wrongly predicted as 0 -> F1 0.8; class 1: P 0.5, R 1 -> F1 2/3.
    const probabilities = [row(1, 0), row(1, 0), row(0, 1), row(0, 1)];
    const f1 = weightedF1OfProbabilities(probabilities, Int32Array.from([0, 0, 0, 1]));
    expect(f1).toBeCloseTo((3 * 0.8 + 1 * (2 / 3)) / 4, 6);
  });
});
