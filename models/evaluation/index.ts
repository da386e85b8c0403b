/**
 * Evaluation: metrics, calibration and the HTML report, from plain arrays (no tfjs), so training,
 * the CLI and the registry all score models the same way.
 */

/** Scores probabilities against true labels: accuracy, F1s, top-k, confusion matrix, ECE, NLL, baseline. */
export { computeMetrics } from './metrics.js';
/** Weighted F1 of predicted against true class indices (the early-stopping score). */
export { weightedF1 } from './metrics.js';
/** The k most probable class indices of one probability row, ties to the lower index. */
export { topK } from './metrics.js';
/** Bins of the expected calibration error and of the reliability diagram (15). */
export { CALIBRATION_BINS } from './metrics.js';
/** The result of `computeMetrics`, and its parts. */
export type {
  ClassMetrics,
  EvaluationMetrics,
  MajorityBaseline,
  MetricsInput,
  ReliabilityBin,
} from './metrics.js';

/**
 * The temperature minimising validation NLL of softmax(logp / T), T in [0.05, 20].
 * @example const t = fitTemperature(probs.map((p) => p.map((v) => Math.log(Math.max(v, 1e-12)))), labels);
 */
export { fitTemperature } from './calibration.js';
/** Rescales log-probability (or logit) rows to softmax(logp / T). */
export { applyTemperature } from './calibration.js';
/** The text weight w in [0, 1] minimising validation NLL of p ∝ pText^w · pImage^(1−w). */
export { fitLateFusionWeight } from './calibration.js';
/** Combines text and image probabilities as the renormalised weighted geometric mean. */
export { combineLateFusion } from './calibration.js';
/** The fitted late-fusion weight and its validation NLL. */
export type { LateFusionFit } from './calibration.js';

/** Renders an evaluation as one self-contained HTML page (inline CSS and SVG, no script, no network). */
export { renderReportHtml } from './report-html.js';
/** What an evaluation report shows: model, split, date, metrics and class names. */
export type { EvaluationReport } from './report-html.js';
/** Weighted F1 of the argmax of probability rows against true class indices (early stopping). */
export { weightedF1OfProbabilities } from './probability-scores.js';
