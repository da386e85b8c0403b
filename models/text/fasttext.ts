import { type EpochOptions, softmaxInPlace } from './softmax.js';
import { seededRandom, shuffledIndices } from './seeded-random.js';
import { fnv1a, type NgramOptions, textNgrams } from './text-features.js';

export interface FastTextSpec extends NgramOptions {
  buckets: number;
  dim: number;
  numClasses: number;
}

/**
 * A fastText-style classifier (Joulin et al. 2016, "Bag of Tricks for Efficient Text
 * Classification"): hashed word and character n-grams, their embeddings averaged, then a linear
 * softmax. Trained with plain SGD and a linearly decaying rate as fastText does; each step touches
 * only the rows of the n-grams present, so an epoch over 10k products takes about a second.
 */
export class FastTextClassifier {
  readonly embeddings: Float32Array;
  readonly output: Float32Array;
  readonly bias: Float32Array;

  /** Without weights: embeddings uniform in +-1/dim (seeded), output layer at zero, as in fastText. */
  constructor(
    readonly spec: FastTextSpec,
    weights: { embeddings: Float32Array; output: Float32Array; bias: Float32Array } | { seed: number },
  ) {
    if ('seed' in weights) {
      const random = seededRandom(weights.seed);
      this.embeddings = new Float32Array(spec.buckets * spec.dim).map(() => (random() * 2 - 1) / spec.dim);
      this.output = new Float32Array(spec.dim * spec.numClasses);
      this.bias = new Float32Array(spec.numClasses);
    } else {
      ({ embeddings: this.embeddings, output: this.output, bias: this.bias } = weights);
    }
  }

  /** Bucket ids of a text's n-grams. */
  featuresOf(text: string): Int32Array {
    return Int32Array.from(textNgrams(text, this.spec), (g) => fnv1a(g) % this.spec.buckets);
  }

  private hidden(features: Int32Array, out: Float32Array): void {
    const d = this.spec.dim;
    out.fill(0);
    if (features.length === 0) return;
    for (const f of features) {
      const row = f * d;
      for (let j = 0; j < d; j++) out[j] = (out[j] ?? 0) + (this.embeddings[row + j] ?? 0);
    }
    for (let j = 0; j < d; j++) out[j] = (out[j] ?? 0) / features.length;
  }

  private logits(h: Float32Array, out: Float32Array): void {
    const C = this.spec.numClasses;
    out.set(this.bias);
    for (let j = 0; j < this.spec.dim; j++) {
      const hj = h[j] ?? 0;
      const row = j * C;
      for (let c = 0; c < C; c++) out[c] = (out[c] ?? 0) + hj * (this.output[row + c] ?? 0);
    }
  }

  predictProba(
    features: Int32Array,
    out: Float32Array = new Float32Array(this.spec.numClasses),
  ): Float32Array {
    const h = new Float32Array(this.spec.dim);
    this.hidden(features, h);
    this.logits(h, out);
    softmaxInPlace(out);
    return out;
  }

  /** One SGD pass; the rate decays linearly to zero over `totalEpochs`, as fastText's does. */
  trainEpoch(samples: readonly Int32Array[], labels: ArrayLike<number>, options: EpochOptions): number {
    const { dim: d, numClasses: C } = this.spec;
    const random = seededRandom(options.seed);
    const h = new Float32Array(d);
    const dh = new Float32Array(d);
    const p = new Float32Array(C);
    const totalSteps = options.totalEpochs * samples.length;
    let step = options.epoch * samples.length;
    let lossSum = 0;
    for (const i of shuffledIndices(samples.length, random)) {
      const features = samples[i];
      const label = labels[i] ?? 0;
      const lr = options.learningRate * (1 - step / totalSteps);
      step++;
      if (!features || features.length === 0) continue;
      this.hidden(features, h);
      this.logits(h, p);
      softmaxInPlace(p);
      const weight = options.classWeights?.[label] ?? 1;
      lossSum -= weight * Math.log(Math.max(p[label] ?? 0, 1e-12));
      p[label] = (p[label] ?? 0) - 1;
      dh.fill(0);
      for (let j = 0; j < d; j++) {
        const row = j * C;
        const hj = h[j] ?? 0;
        let acc = 0;
        for (let c = 0; c < C; c++) {
          const g = weight * (p[c] ?? 0);
          acc += g * (this.output[row + c] ?? 0);
          this.output[row + c] = (this.output[row + c] ?? 0) - lr * g * hj;
        }
        dh[j] = acc;
      }
      for (let c = 0; c < C; c++) this.bias[c] = (this.bias[c] ?? 0) - lr * weight * (p[c] ?? 0);
      const scale = lr / features.length;
      for (const f of features) {
        const row = f * d;
        for (let j = 0; j < d; j++)
          this.embeddings[row + j] = (this.embeddings[row + j] ?? 0) - scale * (dh[j] ?? 0);
      }
    }
    return lossSum / Math.max(1, samples.length);
  }
}
