import { describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.js';
import { computeMetrics, topK, weightedF1 } from './metrics.js';

// 3 classes, 8 samples. Confidence = the top probability; no confidence sits on a bin edge k/15.
//   #  true  probabilities          predicted  confidence  correct  rank of true class
//   0   0    [0.70, 0.20, 0.10]     0          0.70        yes      0
//   1   0    [0.62, 0.28, 0.10]     0          0.62        yes      0
//   2   0    [0.20, 0.50, 0.30]     1          0.50        no       2
//   3   1    [0.10, 0.85, 0.05]     1          0.85        yes      0
//   4   1    [0.42, 0.35, 0.23]     0          0.42        no       1
//   5   1    [0.10, 0.90, 0.00]     1          0.90        yes      0
//   6   2    [0.30, 0.20, 0.50]     2          0.50        yes      0
//   7   2    [0.05, 0.55, 0.40]     1          0.55        no       1
const labels = [0, 0, 0, 1, 1, 1, 2, 2];
const rows = [
  [0.7, 0.2, 0.1],
  [0.62, 0.28, 0.1],
  [0.2, 0.5, 0.3],
  [0.1, 0.85, 0.05],
  [0.42, 0.35, 0.23],
  [0.1, 0.9, 0.0],
  [0.3, 0.2, 0.5],
  [0.05, 0.55, 0.4],
];

describe('computeMetrics', () => {
  const m = computeMetrics({
    labels,
    probabilities: rows,
    numClasses: 3,
    classNames: ['livres', 'jeux', 'piscine'],
  });

  it('counts the confusion matrix with true classes as rows', () => {
    // true 0 → predicted 0,0,1; true 1 → 1,0,1; true 2 → 2,1. Column sums (predictions): 3, 4, 1.
    expect(m.confusionMatrix).toEqual([
      [2, 1, 0],
      [1, 2, 0],
      [0, 1, 1],
    ]);
    expect(m.samples).toBe(8);
    expect(m.accuracy).toBeCloseTo(5 / 8, 12); // diagonal 2 + 2 + 1
  });

  it('scores each class by hand-computed precision, recall and F1', () => {
    // class 0: P = 2/3, R = 2/3, F1 = 2/3
    // class 1: P = 2/4, R = 2/3, F1 = 2·(1/2)(2/3) / (1/2 + 2/3) = (2/3)/(7/6) = 4/7
    // class 2: P = 1/1, R = 1/2, F1 = 2·1·(1/2) / (3/2) = 2/3
    const expected = [
      { precision: 2 / 3, recall: 2 / 3, f1: 2 / 3, support: 3, predicted: 3, name: 'livres' },
      { precision: 1 / 2, recall: 2 / 3, f1: 4 / 7, support: 3, predicted: 4, name: 'jeux' },
      { precision: 1, recall: 1 / 2, f1: 2 / 3, support: 2, predicted: 1, name: 'piscine' },
    ];
    m.perClass.forEach((c, i) => {
      const e = expected[i];
      expect(e).toBeDefined();
      if (!e) return;
      expect(c.name).toBe(e.name);
      expect(c.support).toBe(e.support);
      expect(c.predicted).toBe(e.predicted);
      expect(c.precision).toBeCloseTo(e.precision, 12);
      expect(c.recall).toBeCloseTo(e.recall, 12);
      expect(c.f1).toBeCloseTo(e.f1, 12);
    });
  });

  it('averages F1, precision and recall by support and F1 by class', () => {
    // weighted F1 = (3·2/3 + 3·4/7 + 2·2/3) / 8 = (42 + 36 + 28)/21 / 8 = 106/168 = 53/84 ≈ 0.6310
    expect(m.weightedF1).toBeCloseTo(53 / 84, 12);
    // macro F1 = (2/3 + 4/7 + 2/3) / 3 = (40/21) / 3 = 40/63 ≈ 0.6349
    expect(m.macroF1).toBeCloseTo(40 / 63, 12);
    // weighted precision = (3·2/3 + 3·1/2 + 2·1) / 8 = 5.5/8; weighted recall = accuracy = 5/8
    expect(m.weightedPrecision).toBeCloseTo(5.5 / 8, 12);
    expect(m.weightedRecall).toBeCloseTo(5 / 8, 12);
    expect(weightedF1(labels, [0, 0, 1, 1, 0, 1, 2, 1], 3)).toBeCloseTo(53 / 84, 12);
  });

  it('counts top-k hits from the rank of the true class', () => {
    // ranks 0,0,2,0,1,0,0,1 → top-1 = 5/8; with 3 classes top-3 and top-5 cover every sample.
    expect(m.topKAccuracy).toEqual({ 1: 5 / 8, 3: 1, 5: 1 });
  });

  it('computes the expected calibration error over 15 bins of the top probability', () => {
    // bin m holds ((m−1)/15, m/15]: 0.42→6, 0.50→7 (twice), 0.55→8, 0.62→9, 0.70→10, 0.85→12, 0.90→13
    // |acc − conf| per bin: 6: |0−0.42|, 7: |0.5−0.5| = 0, 8: |0−0.55|, 9: |1−0.62|, 10: |1−0.70|,
    // 12: |1−0.85|, 13: |1−0.90|; ECE = Σ count·gap / 8 = (0.42 + 0 + 0.55 + 0.38 + 0.30 + 0.15 + 0.10)/8
    //     = 1.9/8 = 0.2375
    expect(m.expectedCalibrationError).toBeCloseTo(0.2375, 12);
    expect(m.reliabilityBins).toHaveLength(15);
    expect(m.reliabilityBins[7]).toMatchObject({ count: 2, accuracy: 0.5 });
    expect(m.reliabilityBins[7]?.meanConfidence).toBeCloseTo(0.5, 12);
    expect(m.reliabilityBins[0]).toEqual({
      lower: 0,
      upper: 1 / 15,
      count: 0,
      meanConfidence: 0,
      accuracy: 0,
    });
    expect(m.reliabilityBins.reduce((s, b) => s + b.count, 0)).toBe(8);
  });

  it('computes the mean negative log-likelihood of the true class', () => {
    const trueProbs = [0.7, 0.62, 0.2, 0.85, 0.35, 0.9, 0.5, 0.4];
    expect(m.negativeLogLikelihood).toBeCloseTo(-trueProbs.reduce((s, p) => s + Math.log(p), 0) / 8, 12);
  });

  it('reports the majority-class baseline, ties going to the lower class', () => {
    // supports 3, 3, 2 → class 0; accuracy 3/8; its F1 = 2·(3/8)·1 / (3/8 + 1) = 6/11, weighted by 3/8 → 9/44
    expect(m.majorityBaseline.classIndex).toBe(0);
    expect(m.majorityBaseline.accuracy).toBeCloseTo(3 / 8, 12);
    expect(m.majorityBaseline.weightedF1).toBeCloseTo(9 / 44, 12);
  });

  it('gives the same result for a flat Float32Array of probabilities', () => {
    const flat = computeMetrics({ labels, probabilities: Float32Array.from(rows.flat()), numClasses: 3 });
    expect(flat.confusionMatrix).toEqual(m.confusionMatrix);
    expect(flat.weightedF1).toBeCloseTo(m.weightedF1, 12);
    expect(flat.expectedCalibrationError).toBeCloseTo(m.expectedCalibrationError, 6);
    expect(flat.perClass[0]?.name).toBe('0');
  });

  it('leaves out of the macro average only classes neither present nor predicted', () => {
    // class 3 has no samples and no predictions: macro F1 = (1 + 0 + 0)/3 over classes 0..2
    const absent = computeMetrics({
      labels: [0, 1, 2],
      probabilities: [
        [0.9, 0.1, 0, 0],
        [0.6, 0.4, 0, 0],
        [0.1, 0.8, 0.1, 0],
      ],
      numClasses: 4,
    });
    // class 0: P = 1/2, R = 1 → F1 = 2/3; class 1: P = 0, R = 0 → 0; class 2: never predicted → 0
    expect(absent.macroF1).toBeCloseTo(2 / 3 / 3, 12);
    // class 3 predicted once without samples: it counts, with F1 = 0 → (2/3 + 0 + 0 + 0)/4
    const predictedOnly = computeMetrics({
      labels: [0, 1, 2],
      probabilities: [
        [0.9, 0.1, 0, 0],
        [0.6, 0.4, 0, 0],
        [0.1, 0.1, 0.1, 0.7],
      ],
      numClasses: 4,
    });
    expect(predictedOnly.perClass[3]).toMatchObject({
      support: 0,
      predicted: 1,
      precision: 0,
      recall: 0,
      f1: 0,
    });
    expect(predictedOnly.macroF1).toBeCloseTo(2 / 3 / 4, 12);
  });

  it('returns zeros for an empty set', () => {
    const empty = computeMetrics({ labels: [], probabilities: [], numClasses: 3 });
    expect(empty).toMatchObject({
      samples: 0,
      accuracy: 0,
      weightedF1: 0,
      macroF1: 0,
      negativeLogLikelihood: 0,
    });
    expect(empty.expectedCalibrationError).toBe(0);
  });

  it('rejects probabilities that do not match the labels', () => {
    expect(() => computeMetrics({ labels: [0, 1], probabilities: [[1, 0, 0]], numClasses: 3 })).toThrow(
      InputError,
    );
    expect(() => computeMetrics({ labels: [0], probabilities: [[1, 0]], numClasses: 3 })).toThrow(InputError);
    expect(() => computeMetrics({ labels: [3], probabilities: [[1, 0, 0]], numClasses: 3 })).toThrow(
      /not a class/,
    );
  });
});

describe('topK', () => {
  it('orders class indices by probability, ties to the lower index', () => {
    expect(topK([0.1, 0.4, 0.1, 0.4], 3)).toEqual([1, 3, 0]);
    expect(topK(Float32Array.from([0.2, 0.5, 0.3]), 1)).toEqual([1]);
  });

  it('returns at most as many classes as there are', () => {
    expect(topK([0.5, 0.5], 5)).toEqual([0, 1]);
    expect(topK([0.5, 0.5], 0)).toEqual([]);
  });
});
