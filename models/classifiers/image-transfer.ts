import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { InputError } from '../../core/index.js';
import type { SplitRow } from '../../data/index.js';
import { weightedF1OfProbabilities } from '../evaluation/index.js';
import { type BatchSource, fitWithEarlyStopping } from '../fit-neural.js';
import { type Backbone, DEFAULT_BACKBONE, isBundledBackbone, loadBackbone } from '../image/backbone.js';
import { extractFeatures } from '../image/backbone-features.js';
import { oneHotTargets, predictInBatches } from '../image/image-batches.js';
import { deserializeLayersModel, serializeLayersModel } from '../tfjs-artifacts.js';
import { type Classifier, LABELS, labelIndexOf, type ProductInput } from './classifier.js';
import { type Loader, neuralFitOptions, rowsWith, type Trainer } from './trainer.js';
import { packFloat32, unpackFloat32 } from './weights-file.js';

/**
 * Transfer learning: one or more frozen pretrained backbones -> pooled features (concatenated) ->
 * standardised -> a trained softmax head. The backbones never train, so their features are
 * computed once per photo and cached (models/image/backbone-features.ts); fitting the head takes
 * seconds.
 */

const HEAD_DROPOUT = 0.3;
const HEAD_L2 = 1e-3;
const PREDICT_BATCH = 64;

/** A bundled backbone by name, or a user's folder copied into the bundle under `folder`. */
const backboneRefSchema = z.union([z.object({ name: z.string() }), z.object({ folder: z.string() })]);
const settingsSchema = z.object({
  imageSizePx: z.number().int().min(8).max(1024),
  backbones: z.array(backboneRefSchema).min(1),
  featureSize: z.number().int().positive(),
});
type BackboneRef = z.infer<typeof backboneRefSchema>;

/** `mobilenet-v2-mid+mobilenet-v2` names two backbones whose features are concatenated. */
export function parseBackboneList(spec: string | undefined): string[] {
  const names = (spec ?? DEFAULT_BACKBONE)
    .split('+')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (names.length === 0) {
    throw new InputError('BACKBONE_INVALID', `"${spec}" names no backbone.`, {
      hint: 'Use e.g. --backbone mobilenet-v2-mid, --backbone mobilenet-v2-mid+mobilenet-v2 or --backbone ./my-tfjs-model/',
    });
  }
  return names;
}

/** Features of every photo from each backbone, side by side. */
async function featuresOf(
  backbones: readonly Backbone[],
  images: readonly (string | Uint8Array)[],
  sizePx: number,
  options: { onProgress?: TrainerOptionsProgress; signal?: AbortSignal } = {},
): Promise<Float32Array[]> {
  const parts: Float32Array[][] = [];
  for (const backbone of backbones) {
    parts.push(
      await extractFeatures(images, {
        backbone,
        sizePx,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      }),
    );
  }
  const total = backbones.reduce((n, b) => n + b.featureSize, 0);
  return images.map((_, i) => {
    const row = new Float32Array(total);
    let offset = 0;
    for (const part of parts) {
      const vector = part[i] ?? new Float32Array(0);
      row.set(vector, offset);
      offset += vector.length;
    }
    return row;
  });
}
type TrainerOptionsProgress = NonNullable<Parameters<Trainer>[1]['onProgress']>;

/** Mean and standard deviation per feature, from the training photos. */
function fitStandardiser(rows: readonly Float32Array[], size: number): { mean: Float32Array; scale: Float32Array } {
  const mean = new Float32Array(size);
  const scale = new Float32Array(size);
  for (const row of rows) for (let j = 0; j < size; j++) mean[j] = (mean[j] ?? 0) + (row[j] ?? 0) / rows.length;
  for (const row of rows) {
    for (let j = 0; j < size; j++) scale[j] = (scale[j] ?? 0) + ((row[j] ?? 0) - (mean[j] ?? 0)) ** 2 / rows.length;
  }
  for (let j = 0; j < size; j++) scale[j] = 1 / Math.sqrt((scale[j] ?? 0) + 1e-6);
  return { mean, scale };
}

function standardise(rows: readonly Float32Array[], mean: Float32Array, scale: Float32Array): Float32Array {
  const size = mean.length;
  const out = new Float32Array(rows.length * size);
  rows.forEach((row, i) => {
    for (let j = 0; j < size; j++) out[i * size + j] = ((row[j] ?? 0) - (mean[j] ?? 0)) * (scale[j] ?? 1);
  });
  return out;
}

function featureSource(matrix: Float32Array, size: number, labels: Int32Array): BatchSource {
  return {
    size: labels.length,
    labels,
    batch: async (indices) => {
      const values = new Float32Array(indices.length * size);
      indices.forEach((row, i) => {
        values.set(matrix.subarray(row * size, (row + 1) * size), i * size);
      });
      return { xs: tf.tensor2d(values, [indices.length, size]), ys: oneHotTargets(labels, indices, LABELS.length) };
    },
  };
}

/** Dropout on the standardised features, then one L2-regularised softmax layer. */
export function buildTransferHead(featureSize: number, seed: number): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.dropout({ inputShape: [featureSize], rate: HEAD_DROPOUT, seed }),
      tf.layers.dense({
        units: LABELS.length,
        activation: 'softmax',
        kernelRegularizer: tf.regularizers.l2({ l2: HEAD_L2 }),
        kernelInitializer: tf.initializers.glorotUniform({ seed }),
      }),
    ],
  });
}

/** The classifier: photos -> cached or fresh features -> standardise -> head. */
function transferClassifier(
  backbones: readonly Backbone[],
  head: tf.LayersModel,
  standardiser: { mean: Float32Array; scale: Float32Array },
  imageSizePx: number,
): Classifier {
  const classes = LABELS.length;
  return {
    kind: 'image-transfer',
    modalities: ['image'],
    labels: LABELS,
    predictProba: async (products: readonly ProductInput[]) =>
      predictInBatches(
        products.map((p) => p.image || null),
        {
          batchSize: PREDICT_BATCH,
          numClasses: classes,
          predictBatch: async (images) => {
            const features = await featuresOf(backbones, images, imageSizePx);
            const x = standardise(features, standardiser.mean, standardiser.scale);
            return tf.tidy(
              () => head.predict(tf.tensor2d(x, [images.length, standardiser.mean.length])) as tf.Tensor2D,
            );
          },
        },
      ),
    dispose: () => {
      head.dispose();
      for (const b of backbones) b.dispose();
    },
  };
}

/** A user's backbone folder as bundle files under `<folder>/`, so serve needs nothing else. */
async function folderFiles(dir: string, folder: string): Promise<Record<string, Uint8Array>> {
  const files: Record<string, Uint8Array> = {};
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isFile()) files[`${folder}/${entry.name}`] = await readFile(path.join(dir, entry.name));
  }
  return files;
}

export const trainImageTransfer: Trainer = async (data, options) => {
  const sizePx = options.imageSizePx;
  const train = rowsWith(data.train, 'image');
  const validation = rowsWith(data.validation, 'image');
  if (train.length === 0) {
    throw new InputError('DATA_NOTHING_TO_DO', 'No training row has an image at this size.', {
      hint: `Run \`rakuten-ml data images --sizes ${sizePx}\` before training image-transfer.`,
    });
  }
  const sources = parseBackboneList(options.backbone);
  const backbones: Backbone[] = [];
  let head: tf.LayersModel | undefined;
  try {
    for (const source of sources) backbones.push(await loadBackbone(source));
    const progress = { ...(options.onProgress ? { onProgress: options.onProgress } : {}), ...(options.signal ? { signal: options.signal } : {}) };
    const imagePath = (r: SplitRow) => r.imagePath ?? '';
    const trainFeatures = await featuresOf(backbones, train.map(imagePath), sizePx, progress);
    const validationFeatures = await featuresOf(backbones, validation.map(imagePath), sizePx, progress);
    const featureSize = backbones.reduce((n, b) => n + b.featureSize, 0);
    const standardiser = fitStandardiser(trainFeatures, featureSize);
    const trainLabels = Int32Array.from(train, (r) => labelIndexOf(r.label));
    const trainSource = featureSource(standardise(trainFeatures, standardiser.mean, standardiser.scale), featureSize, trainLabels);
    const validationSource = featureSource(
      standardise(validationFeatures, standardiser.mean, standardiser.scale),
      featureSize,
      Int32Array.from(validation, (r) => labelIndexOf(r.label)),
    );
    head = buildTransferHead(featureSize, options.seed);
    const fit = await fitWithEarlyStopping(head, trainSource, validationSource, weightedF1OfProbabilities, neuralFitOptions(options, trainLabels));
    const { modelJson, weights } = await serializeLayersModel(head);
    const refs: BackboneRef[] = sources.map((s, i) => (isBundledBackbone(s) ? { name: s } : { folder: `backbone-${i}` }));
    const files: Record<string, Uint8Array | string> = {
      'model.json': modelJson,
      'weights.bin': weights,
      'standardiser.bin': packFloat32([standardiser.mean, standardiser.scale]),
    };
    for (const [i, ref] of refs.entries()) {
      const source = sources[i];
      if ('folder' in ref && source !== undefined) Object.assign(files, await folderFiles(path.resolve(source), ref.folder));
    }
    return {
      classifier: transferClassifier(backbones, head, standardiser, sizePx),
      files,
      settings: { imageSizePx: sizePx, backbones: refs, featureSize, backboneIds: backbones.map((b) => b.id) },
      history: fit.history,
    };
  } catch (error: unknown) {
    head?.dispose();
    for (const b of backbones) b.dispose();
    throw error;
  }
};

/** Rebuilds the classifier: backbones from nsfwjs or from the bundle's folders, the head from its files. */
export const loadImageTransfer: Loader = async (bundle) => {
  const settings = settingsSchema.safeParse(bundle.settings);
  if (!settings.success) {
    throw new InputError('BUNDLE_CORRUPT', `The image-transfer bundle in ${bundle.dir} has invalid settings.`, { cause: settings.error });
  }
  const { imageSizePx, featureSize } = settings.data;
  const backbones: Backbone[] = [];
  try {
    for (const ref of settings.data.backbones) {
      backbones.push(await loadBackbone('name' in ref ? ref.name : path.join(bundle.dir, ref.folder)));
    }
    const [mean, scale] = unpackFloat32(await bundle.read('standardiser.bin'), [featureSize, featureSize]);
    const head = await deserializeLayersModel(await bundle.read('model.json'), await bundle.read('weights.bin'));
    if (!mean || !scale) throw new InputError('BUNDLE_CORRUPT', `${bundle.dir}/standardiser.bin is incomplete.`);
    return transferClassifier(backbones, head, { mean, scale }, imageSizePx);
  } catch (error: unknown) {
    for (const b of backbones) b.dispose();
    throw error;
  }
};
