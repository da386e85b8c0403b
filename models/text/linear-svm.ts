import type { CsrMatrix } from './csr-tfidf.js';
import { seededRandom } from './seeded-random.js';

export interface LinearSvmOptions {
  /** Inverse regularisation strength (scikit-learn's LinearSVC C). */
  c: number;
  /** Stop when the projected-gradient spread falls below this (liblinear's eps). */
  tolerance: number;
  /** Passes over the data per class at most. */
  maxIterations: number;
  seed: number;
  /** Per-class multipliers of C (class_weight); undefined for 1 everywhere. */
  classWeights?: Float32Array | undefined;
  /** Called after each class is solved. */
  onClass?: (done: number, total: number, iterations: number) => void;
}

/**
 * One-vs-rest linear SVM, L2-regularised squared hinge loss, solved in the dual by coordinate
 * descent with shrinking: liblinear's solve_l2r_l1l2_svc (Hsieh et al., ICML 2008), which is what
 * scikit-learn's LinearSVC runs. The intercept is a constant feature of value 1 (regularised, as
 * liblinear's intercept_scaling=1). Weights are feature-major, [feature][class], so scoring a
 * sparse row touches contiguous memory.
 */
export class LinearSvm {
  constructor(
    readonly inputDim: number,
    readonly numClasses: number,
    readonly weights: Float32Array = new Float32Array(inputDim * numClasses),
    readonly bias: Float32Array = new Float32Array(numClasses),
  ) {}

  static fit(x: CsrMatrix, labels: Int32Array, numClasses: number, options: LinearSvmOptions): LinearSvm {
    const model = new LinearSvm(x.columns, numClasses);
    const squaredNorms = new Float64Array(x.rows);
    for (let i = 0; i < x.rows; i++) {
      let s = 1; // the intercept feature
      for (let k = x.indptr[i] ?? 0; k < (x.indptr[i + 1] ?? 0); k++) s += (x.values[k] ?? 0) ** 2;
      squaredNorms[i] = s;
    }
    const w = new Float64Array(x.columns + 1);
    for (let c = 0; c < numClasses; c++) {
      w.fill(0);
      const weightPositive = options.c * (options.classWeights?.[c] ?? 1);
      const iterations = solveBinary(x, labels, c, squaredNorms, w, {
        ...options,
        cPositive: weightPositive,
      });
      for (let j = 0; j < x.columns; j++) model.weights[j * numClasses + c] = w[j] ?? 0;
      model.bias[c] = w[x.columns] ?? 0;
      options.onClass?.(c + 1, numClasses, iterations);
    }
    return model;
  }

  /** Margins of one sparse row (bias included), written into `out`. */
  margins(
    indices: Int32Array,
    values: Float32Array,
    out: Float32Array = new Float32Array(this.numClasses),
  ): Float32Array {
    const C = this.numClasses;
    out.set(this.bias);
    for (let k = 0; k < indices.length; k++) {
      const base = (indices[k] ?? 0) * C;
      const v = values[k] ?? 0;
      for (let c = 0; c < C; c++) out[c] = (out[c] ?? 0) + v * (this.weights[base + c] ?? 0);
    }
    return out;
  }
}

/**
 * The dual coordinate descent for one class against the rest; w (with the intercept last) is
 * updated in place. Returns the passes made.
 */
function solveBinary(
  x: CsrMatrix,
  labels: Int32Array,
  positive: number,
  squaredNorms: Float64Array,
  w: Float64Array,
  options: LinearSvmOptions & { cPositive: number },
): number {
  const n = x.rows;
  const bias = x.columns;
  const alpha = new Float64Array(n);
  const y = new Int8Array(n);
  const diagonal = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const isPositive = labels[i] === positive;
    y[i] = isPositive ? 1 : -1;
    // Squared hinge: the dual gains 1/(2C) on its diagonal and has no upper bound.
    diagonal[i] = 0.5 / (isPositive ? options.cPositive : options.c);
  }
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const random = seededRandom(options.seed + positive);
  let activeSize = n;
  let maxOld = Number.POSITIVE_INFINITY;
  let iteration = 0;
  const { indptr, indices, values } = x;
  while (iteration < options.maxIterations) {
    let maxNew = Number.NEGATIVE_INFINITY;
    let minNew = Number.POSITIVE_INFINITY;
    for (let s = activeSize - 1; s > 0; s--) {
      const t = Math.floor(random() * (s + 1));
      const tmp = order[s] ?? 0;
      order[s] = order[t] ?? 0;
      order[t] = tmp;
    }
    for (let s = 0; s < activeSize; s++) {
      const i = order[s] ?? 0;
      const yi = y[i] ?? 1;
      const start = indptr[i] ?? 0;
      const end = indptr[i + 1] ?? 0;
      let dot = w[bias] ?? 0;
      for (let k = start; k < end; k++) dot += (w[indices[k] ?? 0] ?? 0) * (values[k] ?? 0);
      const ai = alpha[i] ?? 0;
      const gradient = yi * dot - 1 + ai * (diagonal[i] ?? 0);
      let projected = gradient;
      if (ai === 0) {
        if (gradient > maxOld) {
          // Shrinking: a bound variable whose gradient points outward stays at 0 for now.
          activeSize--;
          order[s] = order[activeSize] ?? 0;
          order[activeSize] = i;
          s--;
          continue;
        }
        if (gradient > 0) projected = 0;
      }
      if (projected > maxNew) maxNew = projected;
      if (projected < minNew) minNew = projected;
      if (Math.abs(projected) > 1e-12) {
        const next = Math.max(ai - gradient / ((squaredNorms[i] ?? 1) + (diagonal[i] ?? 0)), 0);
        alpha[i] = next;
        const d = (next - ai) * yi;
        for (let k = start; k < end; k++) {
          const j = indices[k] ?? 0;
          w[j] = (w[j] ?? 0) + d * (values[k] ?? 0);
        }
        w[bias] = (w[bias] ?? 0) + d;
      }
    }
    iteration++;
    if (maxNew - minNew <= options.tolerance) {
      if (activeSize === n) break;
      // Converged on the active set: check every variable once more before stopping.
      activeSize = n;
      maxOld = Number.POSITIVE_INFINITY;
      continue;
    }
    maxOld = maxNew <= 0 ? Number.POSITIVE_INFINITY : maxNew;
  }
  return iteration;
}
