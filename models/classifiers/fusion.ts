import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { InputError } from '../../core/index.js';
import type { SplitRow } from '../../data/index.js';
import { type BatchSource, fitWithEarlyStopping } from '../fit-neural.js';
import { buildFusionModel, type FusionModelSpec, REFERENCE_FUSION_MODEL } from '../fusion-model.js';
import { augmentBatchInPlace } from '../image/augment.js';
import { type ImageSource, oneHotTargets, predictInBatches, stackImages } from '../image/image-batches.js';
import { createPixelCache, loadPixels, type PixelCache, pixelCacheEntriesFor } from '../image/pixels.js';
import { weightedF1OfProbabilities } from '../evaluation/index.js';
import { deserializeLayersModel, serializeLayersModel } from '../tfjs-artifacts.js';
import { seededRandom } from '../text/seeded-random.js';
import { WordTokenizer } from '../text/tokenizer.js';
import { type Classifier, LABELS, labelIndexOf, type ProductInput } from './classifier.js';
import { loadPartsFusion, trainPartsFusion } from './fusion-parts.js';
import { type Loader, neuralFitOptions, type Trainer } from './trainer.js';

/** The layer sizes of the joint model; input sizes come from the trainer options. */
export type FusionArchitecture = Omit<
  FusionModelSpec,
  'vocabularySize' | 'sequenceLength' | 'imageSizePx' | 'numClasses' | 'seed'
>;

/** LSTM(128) -> LSTM(64) text trunk, [32, 64, 128] conv blocks + Dense(128), Dense(128) head. */
export const REFERENCE_FUSION_ARCHITECTURE: FusionArchitecture = {
  embeddingDim: REFERENCE_FUSION_MODEL.embeddingDim,
  lstmUnits: REFERENCE_FUSION_MODEL.lstmUnits,
  blockFilters: REFERENCE_FUSION_MODEL.blockFilters,
  imageDenseUnits: REFERENCE_FUSION_MODEL.imageDenseUnits,
  headUnits: REFERENCE_FUSION_MODEL.headUnits,
  dropoutRate: REFERENCE_FUSION_MODEL.dropoutRate,
};

/**
 * Share of training products with both text and photo that lose one of them (each equally often)
 * in a batch, so the head also learns the text-only and the photo-only cases it meets at serve time.
 */
export const MODALITY_DROP_RATE = 0.3;

const PREDICT_BATCH = 64;

const settingsSchema = z.object({
  imageSizePx: z.number().int().min(8).max(1024),
  sequenceLength: z.number().int().positive(),
});

type FusionSettings = z.infer<typeof settingsSchema>;

/** One product as the fusion model reads it; null is a missing modality. */
interface FusionItem {
  text: string | null;
  image: ImageSource | null;
}

/** The three inputs of a batch as typed arrays: word ids, pixels, presence flags. */
interface FusionArrays {
  tokens: Int32Array;
  pixels: Float32Array;
  presence: Float32Array;
}

async function encodeItems(
  items: readonly FusionItem[],
  tokenizer: WordTokenizer,
  settings: FusionSettings,
  load: (source: ImageSource, sizePx: number) => Promise<Float32Array>,
): Promise<FusionArrays> {
  const { sequenceLength, imageSizePx } = settings;
  // A missing text is all padding and a missing photo all zeros; the flags say which is real.
  const tokens = new Int32Array(items.length * sequenceLength);
  const presence = new Float32Array(items.length * 2);
  items.forEach((item, i) => {
    if (item.text !== null) tokenizer.encode(item.text, sequenceLength, tokens, i * sequenceLength);
    presence[2 * i] = item.text === null ? 0 : 1;
    presence[2 * i + 1] = item.image === null ? 0 : 1;
  });
  const pixels = await stackImages(
    items.map((item) => item.image),
    imageSizePx,
    load,
  );
  return { tokens, pixels, presence };
}

function toTensors(arrays: FusionArrays, count: number, settings: FusionSettings): tf.Tensor[] {
  const size = settings.imageSizePx;
  return [
    tf.tensor2d(arrays.tokens, [count, settings.sequenceLength], 'int32'),
    tf.tensor4d(arrays.pixels, [count, size, size, 3]),
    tf.tensor2d(arrays.presence, [count, 2]),
  ];
}

function itemOf(row: SplitRow): FusionItem {
  return { text: row.text ? row.text : null, image: row.imagePath };
}

/**
 * Batches of rows for fitWithEarlyStopping. Training batches drop a modality of some two-modality
 * products and augment the photos (shift + flip); every draw comes from the seeded `random`.
 */
function fusionBatchSource(
  rows: readonly SplitRow[],
  tokenizer: WordTokenizer,
  settings: FusionSettings,
  cache: PixelCache,
  random: () => number,
): BatchSource {
  const labels = Int32Array.from(rows, (r) => labelIndexOf(r.label));
  const load = (source: ImageSource, sizePx: number) =>
    typeof source === 'string' ? cache.load(source, sizePx) : loadPixels(source, sizePx);
  const pixelsPerImage = settings.imageSizePx * settings.imageSizePx * 3;
  return {
    size: rows.length,
    labels,
    batch: async (indices, isTraining) => {
      const items = Array.from(indices, (i): FusionItem => {
        const row = rows[i];
        const item = row ? itemOf(row) : { text: null, image: null };
        if (!isTraining || item.text === null || item.image === null) return item;
        if (random() >= MODALITY_DROP_RATE) return item;
        return random() < 0.5 ? { ...item, text: null } : { ...item, image: null };
      });
      const arrays = await encodeItems(items, tokenizer, settings, load);
      if (isTraining) {
        items.forEach((item, i) => {
          const image = arrays.pixels.subarray(i * pixelsPerImage, (i + 1) * pixelsPerImage);
          if (item.image !== null) augmentBatchInPlace(image, 1, settings.imageSizePx, random);
        });
      }
      return {
        xs: toTensors(arrays, items.length, settings),
        ys: oneHotTargets(labels, indices, LABELS.length),
      };
    },
  };
}

function fusionClassifier(
  model: tf.LayersModel,
  tokenizer: WordTokenizer,
  settings: FusionSettings,
): Classifier {
  const classes = LABELS.length;
  return {
    kind: 'fusion',
    modalities: ['text', 'image'],
    labels: LABELS,
    predictProba: async (products: readonly ProductInput[]) =>
      predictInBatches(
        // A product with neither modality keeps the uniform row: the model has nothing to read.
        products.map((p): FusionItem | null => {
          const item: FusionItem = { text: p.text ? p.text : null, image: p.image ? p.image : null };
          return item.text === null && item.image === null ? null : item;
        }),
        {
          batchSize: PREDICT_BATCH,
          numClasses: classes,
          predictBatch: async (items) => {
            const arrays = await encodeItems(items, tokenizer, settings, loadPixels);
            return tf.tidy(() => model.predict(toTensors(arrays, items.length, settings)) as tf.Tensor2D);
          },
        },
      ),
    dispose: () => model.dispose(),
  };
}

const hasAnyModality = (r: SplitRow) => Boolean(r.text) || r.imagePath !== null;

/** A fusion trainer with the given layer sizes; `trainFusion` uses the reference ones. */
export function createFusionTrainer(
  architecture: FusionArchitecture = REFERENCE_FUSION_ARCHITECTURE,
): Trainer {
  return async (data, options) => {
    const train = data.train.filter(hasAnyModality);
    const validation = data.validation.filter(hasAnyModality);
    if (train.length === 0) {
      throw new InputError('DATA_NOTHING_TO_DO', 'No training row has a text or an image.', {
        hint: 'Run `rakuten-ml data clean` and `rakuten-ml data images` before training the fusion model.',
      });
    }
    const settings: FusionSettings = {
      imageSizePx: options.imageSizePx,
      sequenceLength: options.sequenceLength,
    };
    const tokenizer = WordTokenizer.fit(
      train.flatMap((r) => (r.text ? [r.text] : [])),
      { vocabularySize: options.vocabularySize },
    );
    const cache = createPixelCache(pixelCacheEntriesFor(options.imageSizePx));
    const random = seededRandom(options.seed + 2);
    const trainSource = fusionBatchSource(train, tokenizer, settings, cache, random);
    const model = buildFusionModel({
      ...architecture,
      vocabularySize: tokenizer.vocabularySize,
      sequenceLength: settings.sequenceLength,
      imageSizePx: settings.imageSizePx,
      numClasses: LABELS.length,
      seed: options.seed,
    });
    try {
      const fit = await fitWithEarlyStopping(
        model,
        trainSource,
        fusionBatchSource(validation, tokenizer, settings, cache, random),
        weightedF1OfProbabilities,
        neuralFitOptions(options, trainSource.labels),
      );
      const { modelJson, weights } = await serializeLayersModel(model);
      return {
        classifier: fusionClassifier(model, tokenizer, settings),
        files: {
          'model.json': modelJson,
          'weights.bin': weights,
          'tokenizer.json': JSON.stringify(tokenizer.toJson()),
        },
        settings: { ...settings },
        history: fit.history,
      };
    } catch (error: unknown) {
      model.dispose();
      throw error;
    }
  };
}

/** Trains the reference joint text + image model on every training row (text, photo or both). */
const trainReferenceFusion: Trainer = createFusionTrainer();

/**
 * `train --model fusion`: from trained parts (default; see fusion-parts.ts) or, with
 * `--arch reference`, the reference joint model trained from scratch.
 */
export const trainFusion: Trainer = (data, options) =>
  options.fusionArch === 'reference' ? trainReferenceFusion(data, options) : trainPartsFusion(data, options);

/** Rebuilds the fusion classifier from model.json, weights.bin, tokenizer.json and its settings. */
export const loadFusion: Loader = async (bundle) => {
  if (bundle.settings.arch === 'parts') return loadPartsFusion(bundle);
  const settings = settingsSchema.safeParse(bundle.settings);
  if (!settings.success) {
    throw new InputError(
      'BUNDLE_CORRUPT',
      `The fusion bundle in ${bundle.dir} lacks valid imageSizePx/sequenceLength settings.`,
      {
        cause: settings.error,
      },
    );
  }
  const tokenizer = WordTokenizer.fromJson(JSON.parse((await bundle.read('tokenizer.json')).toString()));
  const model = await deserializeLayersModel(
    await bundle.read('model.json'),
    await bundle.read('weights.bin'),
  );
  return fusionClassifier(model, tokenizer, settings.data);
};
