import { InputError } from '../../core/errors.js';
import { PROBABILITY_FLOOR } from './metrics.js';

/**
 * Post-hoc calibration on a validation split: temperature scaling (Guo et al., 2017) and the weight
 * of a late fusion of a text and an image model. Both minimise the validation negative
 * log-likelihood over one scalar; the objective is convex in 1/T (and in the fusion weight), so a
 * golden-section search is exact enough, deterministic and needs no gradients.
 */

/** The range searched for the temperature (wide enough for any sane model, and never 0). */
const TEMPERATURE_RANGE = { min: 0.05, max: 20 } as const;

/** The result of {@link fitLateFusionWeight}: the text weight and its validation NLL. */
export interface LateFusionFit {
  weight: number;
  nll: number;
}

const LOG_FLOOR = Math.log(PROBABILITY_FLOOR);
const GOLDEN = (Math.sqrt(5) - 1) / 2;
const FUSION_GRID_STEP = 0.05;

/** The minimum of a unimodal function on [lo, hi], to within `tolerance` of its argument. */
function goldenSectionMinimum(f: (x: number) => number, lo: number, hi: number, tolerance: number): number {
  let a = lo;
  let b = hi;
  let x1 = b - GOLDEN * (b - a);
  let x2 = a + GOLDEN * (b - a);
  let f1 = f(x1);
  let f2 = f(x2);
  while (b - a > tolerance) {
    if (f1 <= f2) {
      b = x2;
      x2 = x1;
      f2 = f1;
      x1 = b - GOLDEN * (b - a);
      f1 = f(x1);
    } else {
      a = x1;
      x1 = x2;
      f1 = f2;
      x2 = a + GOLDEN * (b - a);
      f2 = f(x2);
    }
  }
  return (a + b) / 2;
}

function checkRows(what: string, rows: readonly (readonly number[])[], labels: readonly number[]): void {
  const width = rows[0]?.length ?? 0;
  if (rows.length !== labels.length || rows.some((r) => r.length !== width)) {
    throw new InputError(
      'DATA_LABELS_MISMATCH',
      `Expected ${labels.length} ${what} rows of equal length, one per label; got ${rows.length}.`,
      { hint: 'Score the same validation samples that the labels describe.' },
    );
  }
  const bad = labels.find((l) => !Number.isInteger(l) || l < 0 || l >= width);
  if (bad !== undefined) {
    throw new InputError('DATA_LABELS_MISMATCH', `Label ${bad} is not a class index in [0, ${width}).`, {
      hint: 'Map labels to indices with the model’s label map before calibrating.',
    });
  }
}

/**
 * A row scaled by 1/T, with each value floored at the row's maximum + ln 1e-12 so that a
 * probability of 0 (log −∞) stays finite; the floor is relative, so logits work as well.
 */
function scaledRow(row: readonly number[], t: number): number[] {
  const max = Math.max(...row);
  return row.map((v) => Math.max(v, max + LOG_FLOOR) / t);
}

function logSumExp(values: readonly number[]): number {
  const max = Math.max(...values);
  return max + Math.log(values.reduce((s, v) => s + Math.exp(v - max), 0));
}

function meanNll(rows: readonly (readonly number[])[], labels: readonly number[]): number {
  const total = rows.reduce((s, row, i) => s + logSumExp(row) - (row[labels[i] ?? 0] ?? 0), 0);
  return total / Math.max(rows.length, 1);
}

/**
 * Rescales each row to softmax(logp / T): T > 1 softens over-confident probabilities, T < 1 sharpens.
 * Rows may be log-probabilities or logits (they differ by a constant per row, which softmax drops).
 */
export function applyTemperature(logProbs: readonly (readonly number[])[], t: number): number[][] {
  return logProbs.map((row) => {
    const scaled = scaledRow(row, t);
    const norm = logSumExp(scaled);
    return scaled.map((v) => Math.exp(v - norm));
  });
}

/**
 * The temperature in [0.05, 20] that minimises the validation negative log-likelihood of
 * softmax(logp / T). Searched on ln T, where the range is symmetric-ish and the steps relative.
 * Returns 1 (no change) for an empty validation set.
 * @example const t = fitTemperature(probs.map((p) => p.map((v) => Math.log(Math.max(v, 1e-12)))), labels);
 */
export function fitTemperature(logProbs: readonly (readonly number[])[], labels: readonly number[]): number {
  checkRows('log-probability', logProbs, labels);
  if (labels.length === 0) return 1;
  const nllAt = (logT: number) =>
    meanNll(
      logProbs.map((row) => scaledRow(row, Math.exp(logT))),
      labels,
    );
  const logT = goldenSectionMinimum(
    nllAt,
    Math.log(TEMPERATURE_RANGE.min),
    Math.log(TEMPERATURE_RANGE.max),
    1e-6,
  );
  return Math.exp(logT);
}

/** Per row, w·ln pText + (1−w)·ln pImage: the unnormalised log of the weighted geometric mean. */
function fusedLogits(
  textProbs: readonly (readonly number[])[],
  imageProbs: readonly (readonly number[])[],
  weight: number,
): number[][] {
  const logOf = (p: number) => Math.log(Math.max(p, PROBABILITY_FLOOR));
  return textProbs.map((text, i) => {
    const image = imageProbs[i] ?? [];
    return text.map((p, c) => weight * logOf(p) + (1 - weight) * logOf(image[c] ?? 0));
  });
}

/**
 * Combines two models' probabilities as a product of experts, p ∝ pText^w · pImage^(1−w), each row
 * renormalised to sum to 1. w = 1 is the text model alone, w = 0 the image model alone.
 */
export function combineLateFusion(
  textProbs: readonly (readonly number[])[],
  imageProbs: readonly (readonly number[])[],
  weight: number,
): number[][] {
  return applyTemperature(fusedLogits(textProbs, imageProbs, weight), 1);
}

/**
 * The text weight w in [0, 1] of {@link combineLateFusion} that minimises the validation negative
 * log-likelihood: a grid in steps of 0.05, then a golden-section refinement around the best point.
 * Returns w = 0.5 (and NLL 0) for an empty validation set.
 */
export function fitLateFusionWeight(
  textProbs: readonly (readonly number[])[],
  imageProbs: readonly (readonly number[])[],
  labels: readonly number[],
): LateFusionFit {
  checkRows('text probability', textProbs, labels);
  checkRows('image probability', imageProbs, labels);
  if ((textProbs[0]?.length ?? 0) !== (imageProbs[0]?.length ?? 0)) {
    throw new InputError(
      'DATA_LABELS_MISMATCH',
      'The text and image models score different numbers of classes.',
      {
        hint: 'Fuse two models trained on the same label map.',
      },
    );
  }
  if (labels.length === 0) return { weight: 0.5, nll: 0 };
  const nllAt = (w: number) => meanNll(fusedLogits(textProbs, imageProbs, w), labels);

  let best: LateFusionFit = { weight: 0, nll: Number.POSITIVE_INFINITY };
  const steps = Math.round(1 / FUSION_GRID_STEP);
  for (let i = 0; i <= steps; i++) {
    const weight = i / steps;
    const nll = nllAt(weight);
    if (nll < best.nll) best = { weight, nll };
  }
  const lo = Math.max(0, best.weight - FUSION_GRID_STEP);
  const hi = Math.min(1, best.weight + FUSION_GRID_STEP);
  const refined = goldenSectionMinimum(nllAt, lo, hi, 1e-6);
  const refinedNll = nllAt(refined);
  return refinedNll < best.nll ? { weight: refined, nll: refinedNll } : best;
}
