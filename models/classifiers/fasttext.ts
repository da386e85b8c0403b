import { z } from 'zod';
import { FastTextClassifier, type FastTextSpec } from '../text/fasttext.js';
import { balancedClassWeights, type Classifier, LABELS, labelIndexOf, type ProductInput } from './classifier.js';
import { bestOfEpochs } from './early-stopping.js';
import { type Loader, rowsWith, type Trainer } from './trainer.js';
import { packFloat32, unpackFloat32 } from './weights-file.js';

/** Hashed word uni/bigrams and in-word character 3-5-grams, 2^18 buckets, 48-dim embeddings. */
const DEFAULT_SPEC: Omit<FastTextSpec, 'numClasses'> = { wordNgrams: 2, charNgrams: [3, 5], buckets: 1 << 18, dim: 48 };

const specSchema = z.object({
  wordNgrams: z.number().int().positive(),
  charNgrams: z.union([z.tuple([]), z.tuple([z.number(), z.number()])]),
  buckets: z.number().int().positive(),
  dim: z.number().int().positive(),
  numClasses: z.number().int().positive(),
});

function fastTextClassifier(model: FastTextClassifier): Classifier {
  return {
    kind: 'fasttext',
    modalities: ['text'],
    labels: LABELS,
    predictProba: async (products: readonly ProductInput[]) =>
      products.map((p) => model.predictProba(model.featuresOf(p.text ?? ''))),
    dispose: () => undefined,
  };
}

export const trainFastText: Trainer = async (data, options) => {
  const spec: FastTextSpec = { ...DEFAULT_SPEC, numClasses: LABELS.length };
  const model = new FastTextClassifier(spec, { seed: options.seed });
  const train = rowsWith(data.train, 'text');
  const samples = train.map((r) => model.featuresOf(r.text ?? ''));
  const labels = Int32Array.from(train, (r) => labelIndexOf(r.label));
  const classWeights = options.useClassWeights ? balancedClassWeights(labels, LABELS.length) : undefined;
  const classifier = fastTextClassifier(model);
  const history = await bestOfEpochs({
    epochs: options.epochs,
    patience: options.patience,
    validation: rowsWith(data.validation, 'text'),
    classifier,
    snapshot: () => [model.embeddings.slice(), model.output.slice(), model.bias.slice()],
    restore: ([e, o, b]) => {
      if (e) model.embeddings.set(e);
      if (o) model.output.set(o);
      if (b) model.bias.set(b);
    },
    runEpoch: (epoch) => {
      const loss = model.trainEpoch(samples, labels, {
        epoch,
        totalEpochs: options.epochs,
        learningRate: options.learningRate,
        seed: options.seed + epoch,
        classWeights,
      });
      options.onProgress?.({ stage: 'fasttext epochs', done: epoch + 1, total: options.epochs, detail: `loss ${loss.toFixed(3)}` });
      return loss;
    },
  });
  return {
    classifier,
    files: { 'weights.bin': packFloat32([model.embeddings, model.output, model.bias]) },
    settings: { spec },
    history,
  };
};

export const loadFastText: Loader = async (bundle) => {
  const spec = specSchema.parse(bundle.settings.spec);
  const [embeddings, output, bias] = unpackFloat32(await bundle.read('weights.bin'), [
    spec.buckets * spec.dim,
    spec.dim * spec.numClasses,
    spec.numClasses,
  ]);
  if (!embeddings || !output || !bias) throw new Error('unreachable: unpackFloat32 returns one array per length');
  return fastTextClassifier(new FastTextClassifier(spec, { embeddings, output, bias }));
};
