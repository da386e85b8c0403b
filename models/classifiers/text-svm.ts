import { z } from 'zod';
import { CsrTfidf, type FitBlockOptions } from '../text/csr-tfidf.js';
import { LinearSvm } from '../text/linear-svm.js';
import { softmaxInPlace } from '../text/softmax.js';
import { weightedF1OfProbabilities } from '../evaluation/index.js';
import { type Classifier, LABELS, labelIndexOf, type ProductInput } from './classifier.js';
import { type Loader, rowsWith, type Trainer } from './trainer.js';
import { packFloat32, unpackFloat32 } from './weights-file.js';

/**
 * `text-svm` (issue 10): word 1-2-gram and char_wb 2-5-gram TF-IDF (uncapped, scikit-learn's
 * analyzers) and a one-vs-rest linear SVM solved by dual coordinate descent (liblinear's
 * algorithm). Probabilities are a softmax of the margins; train.ts then fits a temperature on
 * validation. Settings chosen on our validation split: see docs/models.md.
 */
export const TEXT_SVM_FEATURES: readonly FitBlockOptions[] = [
  { analyzer: 'word', ngramRange: [1, 2], shouldStripAccents: false, minDocumentFrequency: 1 },
  { analyzer: 'char_wb', ngramRange: [2, 5], shouldStripAccents: false, minDocumentFrequency: 1 },
];
export const TEXT_SVM_SOLVER = { c: 1, tolerance: 0.1, maxIterations: 50 } as const;
/**
 * SVM margins sit in about [-2, 2]; scaled by 5 before the softmax, the temperature fit on
 * validation lands near 1, inside its search range.
 */
const MARGIN_SCALE = 5;

const settingsSchema = z.object({
  inputDim: z.number().int().positive(),
  numClasses: z.number().int().positive(),
});

function textSvmClassifier(vectorizer: CsrTfidf, svm: LinearSvm): Classifier {
  return {
    kind: 'text-svm',
    modalities: ['text'],
    labels: LABELS,
    predictProba: async (products: readonly ProductInput[]) =>
      predictTextSvm(
        vectorizer,
        svm,
        products.map((p) => p.text ?? ''),
      ),
    dispose: () => undefined,
  };
}

function predictTextSvm(vectorizer: CsrTfidf, svm: LinearSvm, texts: readonly string[]): Float32Array[] {
  const x = vectorizer.transform(texts);
  return Array.from({ length: x.rows }, (_, i) => {
    const start = x.indptr[i] ?? 0;
    const end = x.indptr[i + 1] ?? 0;
    const out = svm.margins(x.indices.subarray(start, end), x.values.subarray(start, end));
    for (let c = 0; c < out.length; c++) out[c] = (out[c] ?? 0) * MARGIN_SCALE;
    softmaxInPlace(out);
    return out;
  });
}

export const trainTextSvm: Trainer = async (data, options) => {
  const started = performance.now();
  const train = rowsWith(data.train, 'text');
  const texts = train.map((r) => r.text ?? '');
  const labels = Int32Array.from(train, (r) => labelIndexOf(r.label));
  options.onProgress?.({ stage: 'text-svm features', done: 0, total: 1 });
  const { vectorizer, x } = CsrTfidf.fitTransform(texts, TEXT_SVM_FEATURES);
  options.onProgress?.({
    stage: 'text-svm features',
    done: 1,
    total: 1,
    detail: `${vectorizer.dimension} features`,
  });
  // Plain C for every class, as the reference: the target is weighted F1, which inverse-frequency
  // weights trade for macro F1; so useClassWeights does not apply here (docs/models.md).
  const svm = LinearSvm.fit(x, labels, LABELS.length, {
    ...TEXT_SVM_SOLVER,
    seed: options.seed,
    onClass: (done, total, passes) =>
      options.onProgress?.({ stage: 'text-svm classes', done, total, detail: `${passes} passes` }),
  });
  const classifier = textSvmClassifier(vectorizer, svm);
  const validation = rowsWith(data.validation, 'text');
  const validationWeightedF1 = weightedF1OfProbabilities(
    predictTextSvm(
      vectorizer,
      svm,
      validation.map((r) => r.text ?? ''),
    ),
    Int32Array.from(validation, (r) => labelIndexOf(r.label)),
  );
  return {
    classifier,
    files: {
      'vectorizer.json': JSON.stringify(vectorizer.toJson()),
      'weights.bin': packFloat32([svm.weights, svm.bias]),
    },
    settings: { inputDim: vectorizer.dimension, numClasses: LABELS.length },
    history: [{ epoch: 0, loss: 0, validationWeightedF1, seconds: (performance.now() - started) / 1000 }],
  };
};

export const loadTextSvm: Loader = async (bundle) => {
  const { inputDim, numClasses } = settingsSchema.parse(bundle.settings);
  const vectorizer = CsrTfidf.fromJson(JSON.parse((await bundle.read('vectorizer.json')).toString()));
  const [weights, bias] = unpackFloat32(await bundle.read('weights.bin'), [
    inputDim * numClasses,
    numClasses,
  ]);
  if (!weights || !bias) throw new Error('unreachable: unpackFloat32 returns one array per length');
  return textSvmClassifier(vectorizer, new LinearSvm(inputDim, numClasses, weights, bias));
};
