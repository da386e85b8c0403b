import { describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.js';
import { applyTemperature, combineLateFusion, fitLateFusionWeight, fitTemperature } from './calibration.js';
import { computeMetrics } from './metrics.js';

/** mulberry32: a tiny seeded PRNG, so every run draws the same synthetic set. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

function softmax(row: readonly number[]): number[] {
  const max = Math.max(...row);
  const e = row.map((v) => Math.exp(v - max));
  const sum = e.reduce((s, v) => s + v, 0);
  return e.map((v) => v / sum);
}

/**
 * Scores z ~ N(0, I) with +shift on the true class. The Bayes posterior is then exactly
 * softmax(shift · z), so a model reporting softmax(shift · overconfidence · z) is over-confident by
 * that factor and the ideal temperature is `overconfidence`.
 */
function overConfidentSet(seed: number, samples: number, numClasses: number, overconfidence: number) {
  const random = seededRandom(seed);
  const shift = 1.5;
  const labels: number[] = [];
  const logProbs: number[][] = [];
  for (let i = 0; i < samples; i++) {
    const label = Math.floor(random() * numClasses);
    const z = Array.from({ length: numClasses }, (_, c) => gaussian(random) + (c === label ? shift : 0));
    labels.push(label);
    logProbs.push(softmax(z.map((v) => v * shift * overconfidence)).map((p) => Math.log(Math.max(p, 1e-12))));
  }
  return { labels, logProbs };
}

describe('temperature scaling', () => {
  it('recovers the over-confidence factor and lowers ECE and NLL on held-out data', () => {
    const validation = overConfidentSet(7, 3000, 5, 3);
    const test = overConfidentSet(8, 3000, 5, 3);
    const t = fitTemperature(validation.logProbs, validation.labels);
    expect(t).toBeGreaterThan(2.5);
    expect(t).toBeLessThan(3.5);

    const score = (probabilities: number[][]) =>
      computeMetrics({ labels: test.labels, probabilities, numClasses: 5 });
    const before = score(applyTemperature(test.logProbs, 1));
    const after = score(applyTemperature(test.logProbs, t));
    expect(after.expectedCalibrationError).toBeLessThan(before.expectedCalibrationError / 2);
    expect(after.negativeLogLikelihood).toBeLessThan(before.negativeLogLikelihood);
    // Temperature keeps each row's order, so accuracy does not move.
    expect(after.accuracy).toBe(before.accuracy);
  });

  it('is deterministic', () => {
    const set = overConfidentSet(11, 500, 4, 2);
    expect(fitTemperature(set.logProbs, set.labels)).toBe(fitTemperature(set.logProbs, set.labels));
  });

  it('stays inside [0.05, 20] when the optimum lies outside', () => {
    // Always right with confidence 0.6: the sharper the better, so T runs to its lower bound.
    const logProbs = Array.from({ length: 20 }, () => [Math.log(0.6), Math.log(0.4)]);
    const t = fitTemperature(logProbs, new Array<number>(20).fill(0));
    expect(t).toBeGreaterThanOrEqual(0.05);
    expect(t).toBeLessThan(0.06);
  });

  it('softmaxes log-probabilities divided by T, and leaves them unchanged at T = 1', () => {
    const logProbs = [[Math.log(0.7), Math.log(0.2), Math.log(0.1)]];
    const [same] = applyTemperature(logProbs, 1);
    expect(same?.[0]).toBeCloseTo(0.7, 12);
    const [soft] = applyTemperature(logProbs, 2);
    // p^(1/2) renormalised: √0.7 / (√0.7 + √0.2 + √0.1)
    expect(soft?.[0]).toBeCloseTo(Math.sqrt(0.7) / (Math.sqrt(0.7) + Math.sqrt(0.2) + Math.sqrt(0.1)), 12);
    expect(applyTemperature([[0, Number.NEGATIVE_INFINITY]], 1)[0]?.every(Number.isFinite)).toBe(true);
  });

  it('returns 1 for an empty set and rejects rows that do not match the labels', () => {
    expect(fitTemperature([], [])).toBe(1);
    expect(() => fitTemperature([[0, -1]], [0, 1])).toThrow(InputError);
  });
});

/** Probabilities peaked on the true class with probability `accuracy`, else on a random wrong class. */
function informative(random: () => number, label: number, numClasses: number, accuracy: number): number[] {
  const wrong = (label + 1 + Math.floor(random() * (numClasses - 1))) % numClasses;
  const peak = random() < accuracy ? label : wrong;
  return softmax(
    Array.from({ length: numClasses }, (_, c) => gaussian(random) * 0.5 + (c === peak ? 2.5 : 0)),
  );
}

/** Confident probabilities that ignore the label entirely. */
function noise(random: () => number, numClasses: number): number[] {
  return softmax(Array.from({ length: numClasses }, () => gaussian(random) * 2));
}

function fusionSet(seed: number, informativeModels: 'text' | 'image' | 'both') {
  const random = seededRandom(seed);
  const numClasses = 6;
  const labels: number[] = [];
  const textProbs: number[][] = [];
  const imageProbs: number[][] = [];
  for (let i = 0; i < 1500; i++) {
    const label = Math.floor(random() * numClasses);
    labels.push(label);
    const good = informative(random, label, numClasses, 0.85);
    const other =
      informativeModels === 'both' ? informative(random, label, numClasses, 0.85) : noise(random, numClasses);
    textProbs.push(informativeModels === 'image' ? other : good);
    imageProbs.push(informativeModels === 'image' ? good : other);
  }
  return { labels, textProbs, imageProbs };
}

describe('late fusion', () => {
  it('weighs text near 1 when only the text model is informative', () => {
    const { labels, textProbs, imageProbs } = fusionSet(21, 'text');
    const fit = fitLateFusionWeight(textProbs, imageProbs, labels);
    expect(fit.weight).toBeGreaterThan(0.85);
    expect(fit.nll).toBeLessThan(fitLateFusionWeight(textProbs, textProbs, labels).nll + 1e-9);
  });

  it('weighs text near 0 when only the image model is informative', () => {
    const { labels, textProbs, imageProbs } = fusionSet(22, 'image');
    expect(fitLateFusionWeight(textProbs, imageProbs, labels).weight).toBeLessThan(0.15);
  });

  it('balances two equally informative models and returns the NLL at the chosen weight', () => {
    const { labels, textProbs, imageProbs } = fusionSet(23, 'both');
    const fit = fitLateFusionWeight(textProbs, imageProbs, labels);
    expect(fit.weight).toBeGreaterThan(0.3);
    expect(fit.weight).toBeLessThan(0.7);
    const combined = combineLateFusion(textProbs, imageProbs, fit.weight);
    const nll = -combined.reduce((s, row, i) => s + Math.log(row[labels[i] ?? 0] ?? 0), 0) / labels.length;
    expect(fit.nll).toBeCloseTo(nll, 9);
  });

  it('combines as a renormalised weighted geometric mean', () => {
    const [row] = combineLateFusion([[0.8, 0.2]], [[0.2, 0.8]], 0.5);
    // √(0.8·0.2) on both classes → [0.5, 0.5]
    expect(row?.[0]).toBeCloseTo(0.5, 12);
    expect(combineLateFusion([[0.8, 0.2]], [[0.3, 0.7]], 1)[0]?.[0]).toBeCloseTo(0.8, 12);
    expect(combineLateFusion([[0.8, 0.2]], [[0.3, 0.7]], 0)[0]?.[0]).toBeCloseTo(0.3, 12);
  });

  it('defaults to an even weight with no validation samples', () => {
    expect(fitLateFusionWeight([], [], [])).toEqual({ weight: 0.5, nll: 0 });
  });
});
