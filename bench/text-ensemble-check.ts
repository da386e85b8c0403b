/**
 * Validation check of a product-of-experts ensemble of two trained text bundles (issue 10):
 * p ∝ pA^w · pB^(1-w), w fit on validation NLL, weighted F1 on validation (never test).
 * Usage: node --import tsx bench/text-ensemble-check.ts <home> <bundleA> <bundleB>
 */
import { loadSplit, openDatabase } from '../data/index.js';
import { LABELS } from '../models/classifiers/classifier.js';
import { combineLateFusion, computeMetrics, fitLateFusionWeight } from '../models/evaluation/index.js';
import { loadClassifier } from '../models/load-classifier.js';
import { predictRows } from '../models/train.js';

const [home, bundleA, bundleB] = process.argv.slice(2);
if (!home || !bundleA || !bundleB) throw new Error('usage: text-ensemble-check.ts <home> <bundleA> <bundleB>');
const db = await openDatabase({ home });
const rows = (await loadSplit(db, { split: 'validation', modality: 'text' })).filter((r) => r.text);
await db.close();
const scores = async (dir: string) => {
  const classifier = await loadClassifier(dir);
  const predicted = await predictRows(classifier, rows);
  classifier.dispose();
  return { labels: predicted.labels, probabilities: predicted.probabilities.map((p) => Array.from(p)) };
};
const a = await scores(bundleA);
const b = await scores(bundleB);
const f1 = (probabilities: number[][]) =>
  computeMetrics({ labels: a.labels, probabilities, numClasses: LABELS.length }).weightedF1;
const fit = fitLateFusionWeight(a.probabilities, b.probabilities, a.labels);
console.log(
  `validation weighted F1: A ${f1(a.probabilities).toFixed(4)} · B ${f1(b.probabilities).toFixed(4)} · A^${fit.weight.toFixed(2)} B^${(1 - fit.weight).toFixed(2)} ${f1(combineLateFusion(a.probabilities, b.probabilities, fit.weight)).toFixed(4)}`,
);
