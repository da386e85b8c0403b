import { InputError } from '../../core/errors.js';

/**
 * Classification metrics computed from plain arrays (no tfjs), so training, evaluation and the
 * registry all score a model the same way.
 *
 * Conventions (scikit-learn's `zero_division=0`):
 * - precision is 0 for a class never predicted, recall is 0 for a class with no true samples, and
 *   F1 is 0 whenever precision + recall = 0;
 * - the macro average leaves out a class only when it has neither true samples nor predictions
 *   (it says nothing about the model); a class predicted but absent counts with F1 = 0;
 * - ties in a probability row go to the lower class index (argmax, top-k and the majority class);
 * - with no samples every rate is 0.
 */

/** The scores of one class. */
export interface ClassMetrics {
  classIndex: number;
  /** `classNames[classIndex]`, or the index as text when no names were given. */
  name: string;
  precision: number;
  recall: number;
  f1: number;
  /** True samples of this class. */
  support: number;
  /** Samples predicted as this class. */
  predicted: number;
}

/** One equal-width confidence bin of the reliability diagram; an empty bin has zeros. */
export interface ReliabilityBin {
  lower: number;
  upper: number;
  count: number;
  meanConfidence: number;
  accuracy: number;
}

/** Always predicting the most frequent true class: the floor a model must beat. */
export interface MajorityBaseline {
  classIndex: number;
  accuracy: number;
  weightedF1: number;
}

export interface MetricsInput {
  /** The true class index of each sample. */
  labels: readonly number[];
  /** Per sample, `numClasses` probabilities: rows, or one flat row-major array. */
  probabilities: Float32Array | readonly (readonly number[])[];
  numClasses: number;
  classNames?: readonly string[];
}

export interface EvaluationMetrics {
  samples: number;
  numClasses: number;
  accuracy: number;
  weightedF1: number;
  macroF1: number;
  weightedPrecision: number;
  weightedRecall: number;
  /** Share of samples whose true class is among the k most probable. */
  topKAccuracy: { 1: number; 3: number; 5: number };
  perClass: ClassMetrics[];
  /** `confusionMatrix[true][predicted]` counts. */
  confusionMatrix: number[][];
  /** Over {@link CALIBRATION_BINS} equal-width bins of the top probability (Guo et al., 2017). */
  expectedCalibrationError: number;
  reliabilityBins: ReliabilityBin[];
  /** Mean −ln p(true class), with p floored at {@link PROBABILITY_FLOOR}. */
  negativeLogLikelihood: number;
  majorityBaseline: MajorityBaseline;
}

/** Bins of the expected calibration error and the reliability diagram. */
export const CALIBRATION_BINS = 15;
/** Keeps the log-likelihood finite when a model gives the true class exactly 0. */
export const PROBABILITY_FLOOR = 1e-12;

const TOP_KS = [1, 3, 5] as const;

/** Class indices by decreasing probability (ties: lower index first), at most `k` of them. */
export function topK(probs: ArrayLike<number>, k: number): number[] {
  const order = Array.from({ length: probs.length }, (_, i) => i);
  order.sort((a, b) => (probs[b] ?? 0) - (probs[a] ?? 0) || a - b);
  return order.slice(0, Math.max(0, k));
}

/** Position of `label` in the row sorted as {@link topK} sorts it (0 = the argmax). */
function rankOf(row: ArrayLike<number>, label: number): number {
  const p = row[label] ?? 0;
  let rank = 0;
  for (let c = 0; c < row.length; c++) {
    const q = row[c] ?? 0;
    if (q > p || (q === p && c < label)) rank++;
  }
  return rank;
}

function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let c = 1; c < row.length; c++) if ((row[c] ?? 0) > (row[best] ?? 0)) best = c;
  return best;
}

function countConfusion(
  labels: readonly number[],
  predicted: readonly number[],
  numClasses: number,
): number[][] {
  const matrix = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  labels.forEach((actual, i) => {
    const row = matrix[actual];
    const guess = predicted[i] ?? 0;
    if (row) row[guess] = (row[guess] ?? 0) + 1;
  });
  return matrix;
}

function scoreClasses(
  matrix: readonly (readonly number[])[],
  names: readonly string[] | undefined,
): ClassMetrics[] {
  return matrix.map((row, c) => {
    const support = row.reduce((s, v) => s + v, 0);
    const predicted = matrix.reduce((s, r) => s + (r[c] ?? 0), 0);
    const hits = row[c] ?? 0;
    const precision = predicted > 0 ? hits / predicted : 0;
    const recall = support > 0 ? hits / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    return { classIndex: c, name: names?.[c] ?? String(c), precision, recall, f1, support, predicted };
  });
}

function supportWeighted(perClass: readonly ClassMetrics[], pick: (m: ClassMetrics) => number): number {
  const total = perClass.reduce((s, m) => s + m.support, 0);
  return total > 0 ? perClass.reduce((s, m) => s + m.support * pick(m), 0) / total : 0;
}

/** Weighted F1 (scikit-learn's `average='weighted'`) of predicted against true class indices. */
export function weightedF1(
  labels: readonly number[],
  predicted: readonly number[],
  numClasses: number,
): number {
  return supportWeighted(scoreClasses(countConfusion(labels, predicted, numClasses), undefined), (m) => m.f1);
}

/** The probability rows as views, after checking they match the labels. */
function rowsOf(input: MetricsInput): ArrayLike<number>[] {
  const { labels, probabilities, numClasses } = input;
  const rows =
    probabilities instanceof Float32Array
      ? Array.from({ length: Math.floor(probabilities.length / Math.max(numClasses, 1)) }, (_, i) =>
          probabilities.subarray(i * numClasses, (i + 1) * numClasses),
        )
      : [...probabilities];
  const isFlatMisfit =
    probabilities instanceof Float32Array && probabilities.length !== labels.length * numClasses;
  if (isFlatMisfit || rows.length !== labels.length || rows.some((r) => r.length !== numClasses)) {
    throw new InputError(
      'DATA_LABELS_MISMATCH',
      `Expected ${labels.length} probability rows of ${numClasses} classes, one per label.`,
      { hint: 'Score the same samples that the labels describe, with a model of the same label map.' },
    );
  }
  const bad = labels.find((l) => !Number.isInteger(l) || l < 0 || l >= numClasses);
  if (bad !== undefined) {
    throw new InputError('DATA_LABELS_MISMATCH', `Label ${bad} is not a class index in [0, ${numClasses}).`, {
      hint: 'Map labels to indices with the model’s label map before evaluating.',
    });
  }
  return rows;
}

function calibrationBins(confidences: readonly number[], isCorrect: readonly boolean[]): ReliabilityBin[] {
  const sums = Array.from({ length: CALIBRATION_BINS }, () => ({ count: 0, confidence: 0, correct: 0 }));
  confidences.forEach((conf, i) => {
    // Bin m holds ((m-1)/M, m/M]; a confidence of exactly 0 joins the first bin.
    const m = Math.min(CALIBRATION_BINS - 1, Math.max(0, Math.ceil(conf * CALIBRATION_BINS) - 1));
    const bin = sums[m];
    if (!bin) return;
    bin.count++;
    bin.confidence += conf;
    if (isCorrect[i]) bin.correct++;
  });
  return sums.map((b, m) => ({
    lower: m / CALIBRATION_BINS,
    upper: (m + 1) / CALIBRATION_BINS,
    count: b.count,
    meanConfidence: b.count > 0 ? b.confidence / b.count : 0,
    accuracy: b.count > 0 ? b.correct / b.count : 0,
  }));
}

function majorityBaseline(
  perClass: readonly ClassMetrics[],
  labels: readonly number[],
  numClasses: number,
): MajorityBaseline {
  let best = 0;
  for (const m of perClass) if (m.support > (perClass[best]?.support ?? 0)) best = m.classIndex;
  const n = labels.length;
  return {
    classIndex: best,
    accuracy: n > 0 ? (perClass[best]?.support ?? 0) / n : 0,
    weightedF1: weightedF1(labels, new Array<number>(n).fill(best), numClasses),
  };
}

/**
 * Scores predicted probabilities against true class indices.
 * Throws {@link InputError} (`DATA_LABELS_MISMATCH`) when the rows do not match the labels.
 */
export function computeMetrics(input: MetricsInput): EvaluationMetrics {
  const { labels, numClasses } = input;
  const rows = rowsOf(input);
  const n = labels.length;
  const predicted = rows.map(argmax);
  const ranks = rows.map((row, i) => rankOf(row, labels[i] ?? 0));
  const confidences = rows.map((row, i) => row[predicted[i] ?? 0] ?? 0);
  const isCorrect = predicted.map((p, i) => p === labels[i]);

  const confusionMatrix = countConfusion(labels, predicted, numClasses);
  const perClass = scoreClasses(confusionMatrix, input.classNames);
  const counted = perClass.filter((m) => m.support > 0 || m.predicted > 0);
  const share = (count: number) => (n > 0 ? count / n : 0);
  const topKAccuracy = { 1: 0, 3: 0, 5: 0 };
  for (const k of TOP_KS) topKAccuracy[k] = share(ranks.filter((r) => r < k).length);

  const reliabilityBins = calibrationBins(confidences, isCorrect);
  const expectedCalibrationError = reliabilityBins.reduce(
    (s, b) => s + share(b.count) * Math.abs(b.accuracy - b.meanConfidence),
    0,
  );
  const logLoss = rows.reduce(
    (s, row, i) => s - Math.log(Math.max(row[labels[i] ?? 0] ?? 0, PROBABILITY_FLOOR)),
    0,
  );

  return {
    samples: n,
    numClasses,
    accuracy: share(isCorrect.filter(Boolean).length),
    weightedF1: supportWeighted(perClass, (m) => m.f1),
    macroF1: counted.length > 0 ? counted.reduce((s, m) => s + m.f1, 0) / counted.length : 0,
    weightedPrecision: supportWeighted(perClass, (m) => m.precision),
    weightedRecall: supportWeighted(perClass, (m) => m.recall),
    topKAccuracy,
    perClass,
    confusionMatrix,
    expectedCalibrationError,
    reliabilityBins,
    negativeLogLikelihood: n > 0 ? logLoss / n : 0,
    majorityBaseline: majorityBaseline(perClass, labels, numClasses),
  };
}
