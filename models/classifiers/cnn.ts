import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { InputError } from '../../core/index.js';
import type { SplitRow } from '../../data/index.js';
import { type BatchSource, fitWithEarlyStopping } from '../fit-neural.js';
import { augmentBatchInPlace } from '../image/augment.js';
import { type ImageSource, oneHotTargets, predictInBatches, stackImages } from '../image/image-batches.js';
import { createPixelCache, loadPixels, type PixelCache, pixelCacheEntriesFor } from '../image/pixels.js';
import { weightedF1OfProbabilities } from '../evaluation/index.js';
import { buildImageCnn } from '../image-cnn.js';
import { deserializeLayersModel, serializeLayersModel } from '../tfjs-artifacts.js';
import { seededRandom } from '../text/seeded-random.js';
import { type Classifier, LABELS, labelIndexOf, type ProductInput } from './classifier.js';
import { type Loader, neuralFitOptions, rowsWith, type Trainer } from './trainer.js';

/** The layers of the image classifier around buildImageCnn's conv blocks. */
export interface CnnArchitecture {
  /** Filters of each Conv2D(3x3) + MaxPooling2D(2) block. */
  blockFilters: number[];
  /** Units of the Dense(relu) layer before the softmax. */
  denseUnits: number;
  dropoutRate: number;
}

/** Three conv blocks and a Dense(128) + Dropout(0.3) head: the reference image classifier. */
export const REFERENCE_CNN_ARCHITECTURE: CnnArchitecture = {
  blockFilters: [32, 64, 128],
  denseUnits: 128,
  dropoutRate: 0.3,
};

const PREDICT_BATCH = 64;

const settingsSchema = z.object({ imageSizePx: z.number().int().min(8).max(1024) });

/** Batches of photos for fitWithEarlyStopping; training batches are augmented (shift + flip). */
function imageBatchSource(
  rows: readonly SplitRow[],
  sizePx: number,
  cache: PixelCache,
  random: () => number,
): BatchSource {
  const labels = Int32Array.from(rows, (r) => labelIndexOf(r.label));
  return {
    size: rows.length,
    labels,
    batch: async (indices, isTraining) => {
      const paths = Array.from(indices, (i) => rows[i]?.imagePath ?? null);
      const pixels = await stackImages(paths, sizePx, (p, size) =>
        typeof p === 'string' ? cache.load(p, size) : loadPixels(p, size),
      );
      if (isTraining) augmentBatchInPlace(pixels, indices.length, sizePx, random);
      return {
        xs: tf.tensor4d(pixels, [indices.length, sizePx, sizePx, 3]),
        ys: oneHotTargets(labels, indices, LABELS.length),
      };
    },
  };
}

function cnnClassifier(model: tf.LayersModel, imageSizePx: number): Classifier {
  const classes = LABELS.length;
  return {
    kind: 'cnn',
    modalities: ['image'],
    labels: LABELS,
    predictProba: async (products: readonly ProductInput[]) =>
      predictInBatches(
        products.map((p): ImageSource | null => p.image || null),
        {
          batchSize: PREDICT_BATCH,
          numClasses: classes,
          predictBatch: async (images) => {
            const pixels = await stackImages(images, imageSizePx);
            return tf.tidy(
              () =>
                model.predict(
                  tf.tensor4d(pixels, [images.length, imageSizePx, imageSizePx, 3]),
                ) as tf.Tensor2D,
            );
          },
        },
      ),
    dispose: () => model.dispose(),
  };
}

/** A CNN trainer with the given layers; `trainCnn` uses the reference ones. */
export function createCnnTrainer(architecture: CnnArchitecture = REFERENCE_CNN_ARCHITECTURE): Trainer {
  return async (data, options) => {
    const sizePx = options.imageSizePx;
    const train = rowsWith(data.train, 'image');
    const validation = rowsWith(data.validation, 'image');
    if (train.length === 0) {
      throw new InputError('DATA_NOTHING_TO_DO', 'No training row has an image at this size.', {
        hint: `Run \`rakuten-ml data images --sizes ${sizePx}\` before training the CNN.`,
      });
    }
    const cache = createPixelCache(pixelCacheEntriesFor(options.imageSizePx));
    const random = seededRandom(options.seed + 2);
    const trainSource = imageBatchSource(train, sizePx, cache, random);
    const model = buildImageCnn({
      imageSizePx: sizePx,
      numClasses: LABELS.length,
      ...architecture,
      seed: options.seed,
    });
    try {
      const fit = await fitWithEarlyStopping(
        model,
        trainSource,
        imageBatchSource(validation, sizePx, cache, random),
        weightedF1OfProbabilities,
        neuralFitOptions(options, trainSource.labels),
      );
      const { modelJson, weights } = await serializeLayersModel(model);
      return {
        classifier: cnnClassifier(model, sizePx),
        files: { 'model.json': modelJson, 'weights.bin': weights },
        settings: { imageSizePx: sizePx },
        history: fit.history,
      };
    } catch (error: unknown) {
      model.dispose();
      throw error;
    }
  };
}

/** Trains the reference image CNN on every training row that has a photo. */
export const trainCnn: Trainer = createCnnTrainer();

/** Rebuilds the CNN classifier from its bundle (model.json, weights.bin, settings.imageSizePx). */
export const loadCnn: Loader = async (bundle) => {
  const settings = settingsSchema.safeParse(bundle.settings);
  if (!settings.success) {
    throw new InputError(
      'BUNDLE_CORRUPT',
      `The cnn bundle in ${bundle.dir} has no valid imageSizePx setting.`,
      {
        cause: settings.error,
      },
    );
  }
  const model = await deserializeLayersModel(
    await bundle.read('model.json'),
    await bundle.read('weights.bin'),
  );
  return cnnClassifier(model, settings.data.imageSizePx);
};
