import * as tf from '@tensorflow/tfjs';
import { type BatchSource, fitWithEarlyStopping, predictSource } from '../fit-neural.js';
import { buildTextCnn, WORD_CNN } from '../text-cnn.js';
import { buildTextLstm, REFERENCE_TEXT_LSTM } from '../text-lstm.js';
import { WordTokenizer } from '../text/tokenizer.js';
import { deserializeLayersModel, serializeLayersModel } from '../tfjs-artifacts.js';
import { type Classifier, LABELS, labelIndexOf, type ModelKind, type ProductInput } from './classifier.js';
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

type TextNetworkKind = Extract<ModelKind, 'lstm' | 'word-cnn'>;

function textClassifier(kind: TextNetworkKind, model: tf.LayersModel, tokenizer: WordTokenizer, sequenceLength: number): Classifier {
  return {
    kind,
    modalities: ['text'],
    labels: LABELS,
    predictProba: (products: readonly ProductInput[]) => {
      const texts = products.map((p) => p.text ?? '');
      return predictSource(model, textSource(tokenizer, texts, new Int32Array(texts.length), sequenceLength), PREDICT_BATCH);
    },
    dispose: () => model.dispose(),
  };
}

interface TextNetworkShape {
  vocabularySize: number;
  sequenceLength: number;
  seed: number;
}

/**
 * A trainer for a tfjs text network over word ids: a word tokenizer fit on the train texts, the
 * network from `build`, the shared training loop (early stopping, checkpoints).
 */
function textNetworkTrainer(kind: TextNetworkKind, build: (shape: TextNetworkShape) => tf.LayersModel): Trainer {
  return async (data, options) => {
    const train = rowsWith(data.train, 'text');
    const validation = rowsWith(data.validation, 'text');
    const texts = train.map((r) => r.text ?? '');
    const tokenizer = WordTokenizer.fit(texts, { vocabularySize: options.vocabularySize });
    const shape = { vocabularySize: options.vocabularySize, sequenceLength: options.sequenceLength, seed: options.seed };
    const model = build(shape);
    const labels = Int32Array.from(train, (r) => labelIndexOf(r.label));
    const result = await fitWithEarlyStopping(
      model,
      textSource(tokenizer, texts, labels, shape.sequenceLength),
      textSource(
        tokenizer,
        validation.map((r) => r.text ?? ''),
        Int32Array.from(validation, (r) => labelIndexOf(r.label)),
        shape.sequenceLength,
      ),
      weightedF1OfProbabilities,
      neuralFitOptions(options, labels),
    );
    const serialized = await serializeLayersModel(model);
    return {
      classifier: textClassifier(kind, model, tokenizer, shape.sequenceLength),
      files: {
        'model.json': serialized.modelJson,
        'weights.bin': serialized.weights,
        'tokenizer.json': JSON.stringify(tokenizer.toJson()),
      },
      settings: { sequenceLength: shape.sequenceLength, vocabularySize: shape.vocabularySize },
      history: result.history,
    };
  };
}

function textNetworkLoader(kind: TextNetworkKind): Loader {
  return async (bundle) => {
    const tokenizer = WordTokenizer.fromJson(JSON.parse((await bundle.read('tokenizer.json')).toString()));
    const model = await deserializeLayersModel(await bundle.read('model.json'), await bundle.read('weights.bin'));
    const sequenceLength = Number(bundle.settings.sequenceLength);
    return textClassifier(kind, model, tokenizer, sequenceLength);
  };
}

/** The reference LSTM (models/text-lstm.ts) on cleaned text, with a word tokenizer fit on train. */
export const trainLstm: Trainer = textNetworkTrainer('lstm', (shape) => buildTextLstm({ ...REFERENCE_TEXT_LSTM, ...shape }));
// Bundles of the layers LSTM (before FusedLstm) load as they were; new ones hold FusedLstm layers,
// registered by importing models/engine (text-lstm.ts does).
export const loadLstm: Loader = textNetworkLoader('lstm');

/** The word CNN (models/text-cnn.ts): the stronger neural text model. */
export const trainWordCnn: Trainer = textNetworkTrainer('word-cnn', (shape) => buildTextCnn({ ...WORD_CNN, ...shape }));
export const loadWordCnn: Loader = textNetworkLoader('word-cnn');
