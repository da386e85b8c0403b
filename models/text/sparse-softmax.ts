import { type EpochOptions, softmaxInPlace } from './softmax.js';
import { seededRandom, shuffledIndices } from './seeded-random.js';
import type { SparseVector } from './text-features.js';

export interface SparseSoftmaxEpochOptions extends EpochOptions {
  /** L2 penalty per step on the weights a sample touches. */
  l2: number;
}

/**
 * Multinomial logistic regression on sparse inputs, trained with per-weight AdaGrad: the
 * TF-IDF + logistic-regression baseline. Plain typed arrays; a 200k x 27 model trains in seconds.
 */
export class SparseSoftmaxRegression {
  // AdaGrad's running sums of squared gradients, kept across epochs.
  private squaredGrads: Float32Array | undefined;
  private biasSquaredGrads: Float32Array | undefined;

  constructor(
    readonly inputDim: number,
    readonly numClasses: number,
    readonly weights: Float32Array = new Float32Array(inputDim * numClasses),
    readonly bias: Float32Array = new Float32Array(numClasses),
  ) {}

  /** Class probabilities of one sample, written into `out`. */
  predictProba(x: SparseVector, out: Float32Array = new Float32Array(this.numClasses)): Float32Array {
    const C = this.numClasses;
    out.set(this.bias);
    for (let k = 0; k < x.indices.length; k++) {
      const row = (x.indices[k] ?? 0) * C;
      const v = x.values[k] ?? 0;
      for (let c = 0; c < C; c++) out[c] = (out[c] ?? 0) + v * (this.weights[row + c] ?? 0);
    }
    softmaxInPlace(out);
    return out;
  }

  /** One pass over the samples in a seeded order; returns the mean (weighted) loss. */
  trainEpoch(
    xs: readonly SparseVector[],
    labels: ArrayLike<number>,
    options: SparseSoftmaxEpochOptions,
  ): number {
    const C = this.numClasses;
    const random = seededRandom(options.seed);
    this.squaredGrads ??= new Float32Array(this.weights.length).fill(1e-8);
    this.biasSquaredGrads ??= new Float32Array(C).fill(1e-8);
    const squaredGrads = this.squaredGrads;
    const biasSquaredGrads = this.biasSquaredGrads;
    const p = new Float32Array(C);
    const lr = options.learningRate;
    let lossSum = 0;
    for (const i of shuffledIndices(xs.length, random)) {
      const x = xs[i];
      const label = labels[i] ?? 0;
      if (!x) continue;
      this.predictProba(x, p);
      const weight = options.classWeights?.[label] ?? 1;
      lossSum -= weight * Math.log(Math.max(p[label] ?? 0, 1e-12));
      p[label] = (p[label] ?? 0) - 1; // p is now dLoss/dLogits
      for (let c = 0; c < C; c++) {
        const g = weight * (p[c] ?? 0);
        biasSquaredGrads[c] = (biasSquaredGrads[c] ?? 0) + g * g;
        this.bias[c] = (this.bias[c] ?? 0) - (lr * g) / Math.sqrt(biasSquaredGrads[c] ?? 1);
      }
      for (let k = 0; k < x.indices.length; k++) {
        const row = (x.indices[k] ?? 0) * C;
        const v = x.values[k] ?? 0;
        for (let c = 0; c < C; c++) {
          const at = row + c;
          const w = this.weights[at] ?? 0;
          const g = weight * v * (p[c] ?? 0) + options.l2 * w;
          squaredGrads[at] = (squaredGrads[at] ?? 0) + g * g;
          this.weights[at] = w - (lr * g) / Math.sqrt(squaredGrads[at] ?? 1);
        }
      }
    }
    return lossSum / Math.max(1, xs.length);
  }
}
