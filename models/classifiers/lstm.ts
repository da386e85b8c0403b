import * as tf from '@tensorflow/tfjs';
import { type BatchSource, fitWithEarlyStopping, predictSource } from '../fit-neural.js';
import { buildTextLstm, REFERENCE_TEXT_LSTM } from '../text-lstm.js';
import { WordTokenizer } from '../text/tokenizer.js';
import { deserializeLayersModel, serializeLayersModel } from '../tfjs-artifacts.js';
import { type Classifier, LABELS, labelIndexOf, type ProductInput } from './classifier.js';
import { weightedF1OfProbabilities } from '../evaluation/index.js';
import { type Loader, neuralFitOptions, rowsWith, type Trainer } from './trainer.js';

const PREDICT_BATCH = 256;

/** Token ids of texts as one [n, length] int32 tensor. */
function encodeTexts(tokenizer: WordTokenizer, texts: readonly string[], length: number): tf.Tensor2D {
  const ids = new Int32Array(texts.length * length);
  texts.forEach((text, i) => {
    tokenizer.encode(text, length, ids, i * length);
  });
  return tf.tensor2d(ids, [texts.length, length], 'int32');
}

function textSource(tokenizer: WordTokenizer, texts: readonly string[], labels: Int32Array, length: number): BatchSource {
  return {
    size: texts.length,
    labels,
    batch: async (rows) => ({
      xs: encodeTexts(tokenizer, Array.from(rows, (r) => texts[r] ?? ''), length),
      ys: tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from(rows, (r) => labels[r] ?? 0), 'int32'), LABELS.length)),
    }),
  };
}

function lstmClassifier(model: tf.LayersModel, tokenizer: WordTokenizer, sequenceLength: number): Classifier {
  return {
    kind: 'lstm',
    modalities: ['text'],
    labels: LABELS,
    predictProba: (products: readonly ProductInput[]) => {
      const texts = products.map((p) => p.text ?? '');
      return predictSource(model, textSource(tokenizer, texts, new Int32Array(texts.length), sequenceLength), PREDICT_BATCH);
    },
    dispose: () => model.dispose(),
  };
}

/** The reference LSTM (models/text-lstm.ts) on cleaned text, with a word tokenizer fit on train. */
export const trainLstm: Trainer = async (data, options) => {
  const train = rowsWith(data.train, 'text');
  const validation = rowsWith(data.validation, 'text');
  const texts = train.map((r) => r.text ?? '');
  const tokenizer = WordTokenizer.fit(texts, { vocabularySize: options.vocabularySize });
  const spec = {
    ...REFERENCE_TEXT_LSTM,
    vocabularySize: options.vocabularySize,
    sequenceLength: options.sequenceLength,
    seed: options.seed,
  };
  const model = buildTextLstm(spec);
  const labels = Int32Array.from(train, (r) => labelIndexOf(r.label));
  const result = await fitWithEarlyStopping(
    model,
    textSource(tokenizer, texts, labels, spec.sequenceLength),
    textSource(
      tokenizer,
      validation.map((r) => r.text ?? ''),
      Int32Array.from(validation, (r) => labelIndexOf(r.label)),
      spec.sequenceLength,
    ),
    weightedF1OfProbabilities,
    neuralFitOptions(options, labels),
  );
  const serialized = await serializeLayersModel(model);
  return {
    classifier: lstmClassifier(model, tokenizer, spec.sequenceLength),
    files: {
      'model.json': serialized.modelJson,
      'weights.bin': serialized.weights,
      'tokenizer.json': JSON.stringify(tokenizer.toJson()),
    },
    settings: { sequenceLength: spec.sequenceLength, vocabularySize: spec.vocabularySize },
    history: result.history,
  };
};

export const loadLstm: Loader = async (bundle) => {
  const tokenizer = WordTokenizer.fromJson(JSON.parse((await bundle.read('tokenizer.json')).toString()));
  const model = await deserializeLayersModel(await bundle.read('model.json'), await bundle.read('weights.bin'));
  const sequenceLength = Number(bundle.settings.sequenceLength);
  return lstmClassifier(model, tokenizer, sequenceLength);
};
