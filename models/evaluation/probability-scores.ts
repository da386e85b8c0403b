import { weightedF1 } from './metrics.js';

/**
 * The early-stopping score of every trainer: weighted F1 of each probability row's
 * argmax against the true class index.
 */
export function weightedF1OfProbabilities(
  probabilities: readonly Float32Array[],
  labels: Int32Array,
): number {
  if (labels.length === 0) return 0;
  const predicted = probabilities.map((row) => {
    let best = 0;
    for (let c = 1; c < row.length; c++) if ((row[c] ?? 0) > (row[best] ?? 0)) best = c;
    return best;
  });
  let numClasses = probabilities[0]?.length ?? 0;
  for (const label of labels) numClasses = Math.max(numClasses, label + 1);
  return weightedF1(Array.from(labels), predicted, numClasses);
}
