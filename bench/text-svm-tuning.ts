/**
 * Validation-split measurements behind the `text-svm` defaults (issue 10). Never the test split,
 * never the holdout. Reads the database a full-scale `npm run bench:models` prepared.
 * Env: BENCH_HOME (default ~/.cache/rakuten-ml-bench/full) · TUNE_VARIANTS (comma list of names below).
 */
import os from 'node:os';
import path from 'node:path';
import { loadSplit, openDatabase } from '../data/index.js';
import { balancedClassWeights, LABELS, labelIndexOf } from '../models/classifiers/classifier.js';
import { weightedF1OfProbabilities } from '../models/evaluation/index.js';
import { type CsrMatrix, CsrTfidf, type FitBlockOptions } from '../models/text/csr-tfidf.js';
import { LinearSvm } from '../models/text/linear-svm.js';

interface Variant {
  blocks: FitBlockOptions[];
  c: number;
  tolerance: number;
  maxIterations: number;
  isBalanced?: boolean;
}
const word = (o: Partial<FitBlockOptions> = {}): FitBlockOptions => ({
  analyzer: 'word',
  ngramRange: [1, 2],
  shouldStripAccents: false,
  minDocumentFrequency: 1,
  ...o,
});
const char = (o: Partial<FitBlockOptions> = {}): FitBlockOptions => ({
  analyzer: 'char_wb',
  ngramRange: [2, 5],
  shouldStripAccents: false,
  minDocumentFrequency: 1,
  ...o,
});
const base: Variant = { blocks: [word(), char()], c: 0.5, tolerance: 0.1, maxIterations: 50 };
const VARIANTS: Record<string, Variant> = {
  sklearn: base,
  tight: { ...base, tolerance: 1e-3, maxIterations: 200 },
  'c0.25': { ...base, c: 0.25 },
  c1: { ...base, c: 1 },
  c2: { ...base, c: 2 },
  'c1-accents': { ...base, c: 1, blocks: [word({ shouldStripAccents: true }), char({ shouldStripAccents: true })] },
  balanced: { ...base, isBalanced: true },
  accents: { ...base, blocks: [word({ shouldStripAccents: true }), char({ shouldStripAccents: true })] },
  mindf2: { ...base, blocks: [word({ minDocumentFrequency: 2 }), char({ minDocumentFrequency: 2 })] },
  char16: { ...base, blocks: [word(), char({ ngramRange: [1, 6] })] },
  word13: { ...base, blocks: [word({ ngramRange: [1, 3] }), char()] },
  'word-only': { ...base, blocks: [word()] },
};

const home = process.env.BENCH_HOME ?? path.join(os.homedir(), '.cache', 'rakuten-ml-bench', 'full');
const names = (process.env.TUNE_VARIANTS ?? 'sklearn').split(',');
const db = await openDatabase({ home });
const train = (await loadSplit(db, { split: 'train', modality: 'text' })).filter((r) => r.text);
const validation = (await loadSplit(db, { split: 'validation', modality: 'text' })).filter((r) => r.text);
await db.close();
const trainTexts = train.map((r) => r.text ?? '');
const labels = Int32Array.from(train, (r) => labelIndexOf(r.label));
const validationLabels = Int32Array.from(validation, (r) => labelIndexOf(r.label));
process.stderr.write(`${train.length} train, ${validation.length} validation rows\n`);
// Variants that differ only in the solver share one vectorisation.
const vectorized = new Map<string, { vectorizer: CsrTfidf; x: CsrMatrix; seconds: number }>();
for (const name of names) {
  const variant = VARIANTS[name];
  if (!variant) throw new Error(`unknown variant ${name}`);
  const key = JSON.stringify(variant.blocks);
  let features = vectorized.get(key);
  if (!features) {
    const started = performance.now();
    const { vectorizer, x } = CsrTfidf.fitTransform(trainTexts, variant.blocks);
    features = { vectorizer, x, seconds: (performance.now() - started) / 1000 };
    vectorized.set(key, features);
  }
  const { vectorizer, x } = features;
  const fitStarted = performance.now();
  const svm = LinearSvm.fit(x, labels, LABELS.length, {
    c: variant.c,
    tolerance: variant.tolerance,
    maxIterations: variant.maxIterations,
    seed: 42,
    classWeights: variant.isBalanced ? balancedClassWeights(labels, LABELS.length) : undefined,
  });
  const fitSeconds = (performance.now() - fitStarted) / 1000;
  const v = vectorizer.transform(validation.map((r) => r.text ?? ''));
  const margins = Array.from({ length: v.rows }, (_, i) =>
    svm.margins(
      v.indices.subarray(v.indptr[i], v.indptr[i + 1]),
      v.values.subarray(v.indptr[i], v.indptr[i + 1]),
    ),
  );
  const f1 = weightedF1OfProbabilities(margins, validationLabels);
  console.log(
    `${name}: validation weighted F1 ${f1.toFixed(4)} · ${vectorizer.dimension} features, nnz ${x.indices.length} · vectorize ${features.seconds.toFixed(0)} s, fit ${fitSeconds.toFixed(0)} s · RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
  );
}
