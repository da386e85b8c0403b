import type { SplitRow } from '../../data/index.js';
import { weightedF1OfProbabilities } from '../evaluation/index.js';
import type { EpochRecord } from '../fit-neural.js';
import { type Classifier, labelIndexOf } from './classifier.js';

/** The weighted F1 of a classifier on labelled rows (its argmax against the true class). */
export async function validationWeightedF1(classifier: Classifier, rows: readonly SplitRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const probabilities = await classifier.predictProba(rows.map((r) => ({ text: r.text, image: r.imagePath })));
  return weightedF1OfProbabilities(probabilities, Int32Array.from(rows, (r) => labelIndexOf(r.label)));
}

interface EpochLoop<S> {
  epochs: number;
  patience: number;
  validation: readonly SplitRow[];
  classifier: Classifier;
  runEpoch: (epoch: number) => number;
  snapshot: () => S;
  restore: (state: S) => void;
}

/**
 * Early stopping for the plain-TypeScript models (the tfjs ones use fit-neural.ts): one epoch at a
 * time, keep the state of the epoch with the best validation weighted F1, restore it at the end.
 */
export async function bestOfEpochs<S>(loop: EpochLoop<S>): Promise<EpochRecord[]> {
  const history: EpochRecord[] = [];
  let best: { epoch: number; f1: number; state: S | undefined } = { epoch: -1, f1: -1, state: undefined };
  for (let epoch = 0; epoch < loop.epochs; epoch++) {
    const started = performance.now();
    const loss = loop.runEpoch(epoch);
    const f1 = await validationWeightedF1(loop.classifier, loop.validation);
    history.push({ epoch, loss, validationWeightedF1: f1, seconds: (performance.now() - started) / 1000 });
    if (f1 > best.f1) best = { epoch, f1, state: loop.snapshot() };
    if (epoch - best.epoch >= loop.patience) break;
  }
  if (best.state !== undefined) loop.restore(best.state);
  return history;
}
