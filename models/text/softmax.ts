/** In-place numerically stable softmax of `logits[offset .. offset+n)`. */
export function softmaxInPlace(logits: Float32Array, offset = 0, n = logits.length - offset): void {
  let max = Number.NEGATIVE_INFINITY;
  for (let c = 0; c < n; c++) max = Math.max(max, logits[offset + c] ?? 0);
  let sum = 0;
  for (let c = 0; c < n; c++) {
    const e = Math.exp((logits[offset + c] ?? 0) - max);
    logits[offset + c] = e;
    sum += e;
  }
  for (let c = 0; c < n; c++) logits[offset + c] = (logits[offset + c] ?? 0) / sum;
}

/** One epoch of a sparse text classifier's training; epochs are run (and early-stopped) by the caller. */
export interface EpochOptions {
  /** This epoch's number and the planned total, for learning-rate schedules. */
  epoch: number;
  totalEpochs: number;
  learningRate: number;
  /** Seeds this epoch's shuffle. */
  seed: number;
  /** Per-class loss weights (e.g. inverse frequency); all 1 when omitted. */
  classWeights?: Float32Array | undefined;
}
