import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../../core/index.js';
import type { SplitRow } from '../../data/index.js';
import { weightedF1OfProbabilities } from '../evaluation/index.js';
import { type BatchSource, fitWithEarlyStopping } from '../fit-neural.js';
import { oneHotTargets, splitRows } from '../image/image-batches.js';
import { deserializeLayersModel, serializeLayersModel } from '../tfjs-artifacts.js';
import { seededRandom } from '../text/seeded-random.js';
import { type Classifier, LABELS, labelIndexOf, type ProductInput } from './classifier.js';
import { bundleFiles } from './late-fusion.js';
import type { Loader, Trainer, TrainerOptions } from './trainer.js';

/**
 * Fusion from trained parts: a calibrated text model and a calibrated image model (their own
 * bundles, kept inside this one) feed their log-probabilities and a presence flag each into a
 * learned softmax head. The head is fit on validation products, which neither part trained on
 * (on train products the parts are over-confident, so a head fit there learns to trust whichever
 * part memorised most): half of validation fits it, the other half early-stops it. Modality
 * dropout hides one part of some products with both, so a product with one modality is still
 * answered well.
 */

/** Share of products with both modalities that lose one (each equally often) in a training batch. */
export const PARTS_MODALITY_DROP_RATE = 0.3;
const HEAD_L2 = 1e-3;
const LOG_FLOOR = 1e-6;
const classes = LABELS.length;
/** [log p_text (27), log p_image (27), hasText, hasImage]. */
const INPUT_SIZE = 2 * classes + 2;

/** One product's head input; a missing part is zeros with its flag 0. */
function headInput(text: Float32Array | undefined, image: Float32Array | undefined, out: Float32Array, offset: number): void {
  for (let c = 0; c < classes; c++) {
    out[offset + c] = text ? Math.log(Math.max(text[c] ?? 0, LOG_FLOOR)) : 0;
    out[offset + classes + c] = image ? Math.log(Math.max(image[c] ?? 0, LOG_FLOOR)) : 0;
  }
  out[offset + 2 * classes] = text ? 1 : 0;
  out[offset + 2 * classes + 1] = image ? 1 : 0;
}

/** Both parts' probabilities of each product (undefined where the product lacks that modality). */
async function partProbabilities(text: Classifier, image: Classifier, products: readonly ProductInput[]) {
  const withText = products.flatMap((p, i) => (p.text ? [i] : []));
  const withImage = products.flatMap((p, i) => (p.image != null ? [i] : []));
  const textProbs = await text.predictProba(withText.map((i) => products[i] ?? {}));
  const imageProbs = await image.predictProba(withImage.map((i) => products[i] ?? {}));
  const t: (Float32Array | undefined)[] = new Array(products.length);
  const m: (Float32Array | undefined)[] = new Array(products.length);
  withText.forEach((i, k) => {
    t[i] = textProbs[k];
  });
  withImage.forEach((i, k) => {
    m[i] = imageProbs[k];
  });
  return { text: t, image: m };
}

function headSource(
  parts: { text: (Float32Array | undefined)[]; image: (Float32Array | undefined)[] },
  rows: readonly number[],
  labels: Int32Array,
  random: () => number,
): BatchSource {
  return {
    size: rows.length,
    labels,
    batch: async (indices, isTraining) => {
      const x = new Float32Array(indices.length * INPUT_SIZE);
      indices.forEach((local, k) => {
        const row = rows[local] ?? 0;
        let text = parts.text[row];
        let image = parts.image[row];
        if (isTraining && text && image && random() < PARTS_MODALITY_DROP_RATE) {
          if (random() < 0.5) text = undefined;
          else image = undefined;
        }
        headInput(text, image, x, k * INPUT_SIZE);
      });
      return { xs: tf.tensor2d(x, [indices.length, INPUT_SIZE]), ys: oneHotTargets(labels, indices, classes) };
    },
  };
}

function buildHead(seed: number): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [INPUT_SIZE],
        units: classes,
        activation: 'softmax',
        kernelRegularizer: tf.regularizers.l2({ l2: HEAD_L2 }),
        kernelInitializer: tf.initializers.glorotUniform({ seed }),
      }),
    ],
  });
}

function partsFusionClassifier(text: Classifier, image: Classifier, head: tf.LayersModel): Classifier {
  return {
    kind: 'fusion',
    modalities: ['text', 'image'],
    labels: LABELS,
    predictProba: async (products) => {
      if (products.length === 0) return [];
      const parts = await partProbabilities(text, image, products);
      const x = new Float32Array(products.length * INPUT_SIZE);
      products.forEach((_, i) => {
        headInput(parts.text[i], parts.image[i], x, i * INPUT_SIZE);
      });
      const probabilities = tf.tidy(() => head.predict(tf.tensor2d(x, [products.length, INPUT_SIZE])) as tf.Tensor2D);
      try {
        return splitRows(await probabilities.data<'float32'>(), products.length, classes);
      } finally {
        probabilities.dispose();
      }
    },
    dispose: () => {
      head.dispose();
      text.dispose();
      image.dispose();
    },
  };
}

/** Half of validation by a seeded hash of productid: 'fit' or 'stop'. */
function halfOf(row: SplitRow, seed: number): 'fit' | 'stop' {
  const byte = createHash('sha256').update(`${seed}:fusion:${row.productid}`).digest()[0] ?? 0;
  return byte < 128 ? 'fit' : 'stop';
}

export async function trainPartsFusion(data: Parameters<Trainer>[0], options: TrainerOptions): ReturnType<Trainer> {
  const { text: textDir, image: imageDir } = options.componentBundles ?? {};
  if (!textDir || !imageDir || !options.loadComponent) {
    throw new InputError('CONFIG_INVALID', 'fusion needs a trained text bundle and image bundle.', {
      hint: 'Pass --text-bundle <dir> and --image-bundle <dir>, or let `train --model fusion` train the default parts first.',
    });
  }
  const text = await options.loadComponent(textDir);
  const image = await options.loadComponent(imageDir);
  let head: tf.LayersModel | undefined;
  try {
    const rows = data.validation.filter((r) => Boolean(r.text) || r.imagePath !== null);
    if (rows.length === 0) {
      throw new InputError('DATA_NOTHING_TO_DO', 'No validation product has a text or an image to fit the fusion head on.');
    }
    const parts = await partProbabilities(
      text,
      image,
      rows.map((r) => ({ text: r.text, image: r.imagePath })),
    );
    const labels = rows.map((r) => labelIndexOf(r.label));
    const fitRows = rows.flatMap((r, i) => (halfOf(r, options.seed) === 'fit' ? [i] : []));
    const stopRows = rows.flatMap((r, i) => (halfOf(r, options.seed) === 'stop' ? [i] : []));
    const random = seededRandom(options.seed + 3);
    const source = (subset: number[]) => headSource(parts, subset, Int32Array.from(subset, (i) => labels[i] ?? 0), random);
    const fitSource = source(fitRows);
    head = buildHead(options.seed);
    // No class weights: the head combines already calibrated parts; re-weighting classes here
    // would undo their calibration.
    const fit = await fitWithEarlyStopping(head, fitSource, source(stopRows), weightedF1OfProbabilities, {
      epochs: options.epochs,
      batchSize: options.batchSize,
      learningRate: options.learningRate,
      seed: options.seed,
      patience: options.patience,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const { modelJson, weights } = await serializeLayersModel(head);
    return {
      classifier: partsFusionClassifier(text, image, head),
      files: {
        'model.json': modelJson,
        'weights.bin': weights,
        ...(await bundleFiles(textDir, 'text')),
        ...(await bundleFiles(imageDir, 'image')),
      },
      settings: {
        arch: 'parts',
        fitProducts: fitRows.length,
        stopProducts: stopRows.length,
        bothModalities: rows.filter((r) => r.text && r.imagePath).length,
      },
      history: fit.history,
    };
  } catch (error: unknown) {
    head?.dispose();
    text.dispose();
    image.dispose();
    throw error;
  }
}

export const loadPartsFusion: Loader = async (bundle) => {
  const text = await bundle.openComponent('text');
  const image = await bundle.openComponent('image');
  const head = await deserializeLayersModel(await bundle.read('model.json'), await bundle.read('weights.bin'));
  return partsFusionClassifier(text, image, head);
};
