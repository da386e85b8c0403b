import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { InputError, messageOf } from '../../core/index.js';

/**
 * Pretrained image networks shipped inside the `nsfwjs@4.4.0` npm package (MIT; see docs/images.md
 * for the weights' origin), named by architecture. Their last dense layers were trained for another
 * task (5 content classes), so we read the pooled features before them (measured in
 * /work/shared/ENGINE-NOTES.md: those score far higher as features).
 */
export const BUNDLED_BACKBONES = {
  'mobilenet-v2': { folder: 'mobilenet_v2', shards: 1, featureNode: 'flatten_1', inputSizePx: 224 },
  'mobilenet-v2-mid': {
    folder: 'mobilenet_v2_mid',
    shards: 2,
    featureNode:
      'StatefulPartitionedCall/sequential/keras_layer/StatefulPartitionedCall/StatefulPartitionedCall/StatefulPartitionedCall/predict/feature_vector/SpatialSqueeze',
    inputSizePx: 224,
  },
  'inception-v3': { folder: 'inception_v3', shards: 6, featureNode: 'flatten_1', inputSizePx: 299 },
} as const;
export type BundledBackboneName = keyof typeof BUNDLED_BACKBONES;
/**
 * Both MobileNetV2s, features concatenated: 0.317 validation weighted F1 against 0.294 for
 * MobileNetV2-mid alone and 0.271 for MobileNetV2 (seeded split, 1,121 photos; docs/images.md).
 */
export const DEFAULT_BACKBONE = 'mobilenet-v2-mid+mobilenet-v2';
const NSFWJS_VERSION = '4.4.0';

/** A frozen network that turns a batch of photos into one feature vector each. */
export interface Backbone {
  /** Names the weights and the feature node: the feature cache key. */
  readonly id: string;
  /** Where it came from: a bundled name or a folder. */
  readonly source: string;
  readonly inputSizePx: number;
  readonly featureSize: number;
  /**
   * Features of `count` photos given as RGB pixels in [0, 1], HWC, `sizePx` square; resized to the
   * network's input with bilinear sampling (alignCorners, as nsfwjs does) when sizes differ.
   */
  extract(pixels: Float32Array, count: number, sizePx: number): Promise<Float32Array[]>;
  dispose(): void;
}

/**
 * Optional `backbone.json` beside a user's `model.json`: which node holds the features, the input
 * size when the model leaves it open, and the pixel range the network expects.
 */
const backboneConfigSchema = z
  .object({
    featureNode: z.string().min(1).optional(),
    inputSizePx: z.number().int().min(32).max(1024).optional(),
    inputRange: z.tuple([z.number(), z.number()]).optional(),
  })
  .strict();
type BackboneConfig = z.infer<typeof backboneConfigSchema>;

const modelJsonSchema = z
  .object({
    format: z.string().optional(),
    modelTopology: z.record(z.string(), z.unknown()),
    weightsManifest: z.array(z.object({ paths: z.array(z.string()), weights: z.array(z.unknown()) })),
  })
  .passthrough();

type Network = { kind: 'layers'; model: tf.LayersModel } | { kind: 'graph'; model: tf.GraphModel };

const POOLING_LAYERS = new Set(['Flatten', 'GlobalAveragePooling2D', 'GlobalMaxPooling2D']);

export function isBundledBackbone(name: string): name is BundledBackboneName {
  return Object.hasOwn(BUNDLED_BACKBONES, name);
}

const notABackbone = (where: string, why: string, cause?: unknown) =>
  new InputError('BACKBONE_INVALID', `${where} is not a usable tfjs backbone: ${why}`, {
    hint: `Give a bundled name (${Object.keys(BUNDLED_BACKBONES).join(', ')}) or a folder with a tfjs model.json (layers or graph model) and its weight files.`,
    ...(cause === undefined ? {} : { cause }),
  });

function concatBuffers(parts: readonly Uint8Array[]): ArrayBuffer {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out.buffer;
}

async function loadNetwork(json: z.infer<typeof modelJsonSchema>, weights: ArrayBuffer, where: string): Promise<Network> {
  const weightSpecs = json.weightsManifest.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[];
  const handler = tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs, weightData: weights });
  const isGraph = json.format === 'graph-model' || Array.isArray(json.modelTopology.node);
  try {
    return isGraph
      ? { kind: 'graph', model: await tf.loadGraphModel(handler) }
      : { kind: 'layers', model: await tf.loadLayersModel(handler) };
  } catch (error: unknown) {
    throw notABackbone(where, `tfjs could not build it (${messageOf(error)})`, error);
  }
}

/** model.json + weights from nsfwjs' package, where they are base64 strings in CommonJS files. */
async function readBundled(name: BundledBackboneName): Promise<{ json: unknown; weights: ArrayBuffer }> {
  const spec = BUNDLED_BACKBONES[name];
  const require = createRequire(import.meta.url);
  // The package exports no package.json; its CommonJS entry is <package>/dist/cjs/index.js.
  const base = path.join(path.dirname(path.dirname(require.resolve('nsfwjs'))), 'models', spec.folder);
  const json: unknown = require(path.join(base, 'model.min.js'));
  const shards = Array.from({ length: spec.shards }, (_, i) => {
    const base64: unknown = require(path.join(base, `group1-shard${i + 1}of${spec.shards}.min.js`));
    if (typeof base64 !== 'string') throw notABackbone(`nsfwjs ${spec.folder}`, 'a weight shard is not base64 text');
    return new Uint8Array(Buffer.from(base64, 'base64'));
  });
  return { json, weights: concatBuffers(shards) };
}

async function readFolder(dir: string): Promise<{ json: unknown; weights: ArrayBuffer; config: BackboneConfig; digest: string }> {
  const modelPath = path.join(dir, 'model.json');
  let text: string;
  try {
    if (!(await stat(dir)).isDirectory()) throw notABackbone(dir, 'it is not a folder');
    text = await readFile(modelPath, 'utf8');
  } catch (error: unknown) {
    if (error instanceof InputError) throw error;
    throw notABackbone(dir, `cannot read ${modelPath} (${messageOf(error)})`, error);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error: unknown) {
    throw notABackbone(modelPath, 'it is not JSON', error);
  }
  const parsed = modelJsonSchema.safeParse(json);
  if (!parsed.success) throw notABackbone(modelPath, 'it has no modelTopology and weightsManifest', parsed.error);
  const hash = createHash('sha256').update(text);
  const parts: Uint8Array[] = [];
  for (const file of parsed.data.weightsManifest.flatMap((g) => g.paths)) {
    const weightPath = path.join(dir, file);
    try {
      const bytes = await readFile(weightPath);
      hash.update(bytes);
      parts.push(bytes);
    } catch (error: unknown) {
      throw notABackbone(dir, `the weight file ${weightPath} is missing or unreadable`, error);
    }
  }
  let config: BackboneConfig = {};
  const configPath = path.join(dir, 'backbone.json');
  const configText = await readFile(configPath, 'utf8').catch(() => undefined);
  if (configText !== undefined) {
    hash.update(configText);
    const result = backboneConfigSchema.safeParse(JSON.parse(configText));
    if (!result.success) {
      throw new InputError('BACKBONE_INVALID', `${configPath} is not a valid backbone config: ${result.error.message}`, {
        hint: 'Keys: featureNode (string), inputSizePx (32-1024), inputRange ([low, high], default [0, 1]).',
      });
    }
    config = result.data;
  }
  return { json: parsed.data, weights: concatBuffers(parts), config, digest: hash.digest('hex').slice(0, 16) };
}

/** The layer whose output is the pooled feature vector: named, else the last Flatten/global pooling. */
function layersFeatureModel(model: tf.LayersModel, featureNode: string | undefined, where: string): tf.LayersModel {
  if (featureNode !== undefined) {
    const layer = model.layers.find((l) => l.name === featureNode);
    if (!layer) throw notABackbone(where, `it has no layer "${featureNode}"`);
    return tf.model({ inputs: model.inputs, outputs: layer.output as tf.SymbolicTensor });
  }
  const pooled = [...model.layers].reverse().find((l) => POOLING_LAYERS.has(l.getClassName()));
  if (pooled) return tf.model({ inputs: model.inputs, outputs: pooled.output as tf.SymbolicTensor });
  return model;
}

/**
 * Opens a backbone: a bundled name (`mobilenet-v2`, `mobilenet-v2-mid`, `inception-v3`) or a folder
 * holding any tfjs layers/graph model (e.g. an ImageNet EfficientNet a user converted), and checks
 * on a blank photo that it yields a feature vector.
 *
 * @throws InputError BACKBONE_INVALID naming the folder or file when it is not a usable backbone.
 */
export async function loadBackbone(source: string): Promise<Backbone> {
  let json: unknown;
  let weights: ArrayBuffer;
  let config: BackboneConfig;
  let id: string;
  let where: string;
  if (isBundledBackbone(source)) {
    const spec = BUNDLED_BACKBONES[source];
    ({ json, weights } = await readBundled(source));
    config = { featureNode: spec.featureNode, inputSizePx: spec.inputSizePx };
    id = `nsfwjs-${NSFWJS_VERSION}-${source}`;
    where = `bundled backbone ${source}`;
  } else {
    const dir = path.resolve(source);
    const folder = await readFolder(dir);
    ({ json, weights, config } = folder);
    id = `dir-${folder.digest}`;
    where = dir;
  }
  const parsed = modelJsonSchema.safeParse(json);
  if (!parsed.success) throw notABackbone(where, 'its model.json has no modelTopology and weightsManifest', parsed.error);
  const network = await loadNetwork(parsed.data, weights, where);
  const featureModel = network.kind === 'layers' ? layersFeatureModel(network.model, config.featureNode, where) : undefined;
  const inputShape = network.kind === 'layers' ? network.model.inputs[0]?.shape : network.model.inputs[0]?.shape;
  const declaredSize = inputShape?.[1];
  const inputSizePx = config.inputSizePx ?? (typeof declaredSize === 'number' && declaredSize > 0 ? declaredSize : 224);
  if (inputShape !== undefined && inputShape.length === 4 && inputShape[3] !== 3 && inputShape[3] !== -1 && inputShape[3] != null) {
    network.model.dispose();
    throw notABackbone(where, `its input has ${inputShape[3]} channels, not 3 (RGB)`);
  }
  const [low, high] = config.inputRange ?? [0, 1];
  const graphOutput = config.featureNode;

  /** Runs the network; a rank-4 output (a feature map) is average-pooled to a vector. */
  const run = (batch: tf.Tensor4D): tf.Tensor2D =>
    tf.tidy(() => {
      const scaled = low === 0 && high === 1 ? batch : tf.add(tf.mul(batch, high - low), low);
      const out =
        network.kind === 'graph'
          ? (graphOutput === undefined ? network.model.execute(scaled) : network.model.execute(scaled, graphOutput))
          : (featureModel ?? network.model).predict(scaled);
      const tensor = Array.isArray(out) ? out[0] : out;
      if (tensor === undefined) throw notABackbone(where, 'it has no output');
      if (tensor.rank === 4) return tf.mean(tensor, [1, 2]) as tf.Tensor2D;
      if (tensor.rank !== 2) throw notABackbone(where, `its output has rank ${tensor.rank}, not a feature vector (rank 2) or map (rank 4)`);
      return tensor as tf.Tensor2D;
    });

  let featureSize: number;
  try {
    const probe = run(tf.zeros([1, inputSizePx, inputSizePx, 3]));
    featureSize = probe.shape[1];
    const values = Array.from(await probe.data());
    probe.dispose();
    const sum = values.reduce((a, b) => a + b, 0);
    // Class scores of a softmax head sum to 1 on any input: not features. Say how to name the node.
    if (featureSize < 64 || Math.abs(sum - 1) < 1e-3) {
      throw notABackbone(
        where,
        `its output (${featureSize} values${Math.abs(sum - 1) < 1e-3 ? ', summing to 1' : ''}) looks like class scores, not a feature vector; name the pooled layer in backbone.json ({"featureNode": "<layer>"})`,
      );
    }
  } catch (error: unknown) {
    network.model.dispose();
    if (error instanceof InputError) throw error;
    throw notABackbone(where, `running it on a ${inputSizePx}px photo failed (${messageOf(error)})`, error);
  }

  return {
    id,
    source,
    inputSizePx,
    featureSize,
    extract: async (pixels, count, sizePx) => {
      const features = tf.tidy(() => {
        const batch = tf.tensor4d(pixels, [count, sizePx, sizePx, 3]);
        const sized =
          sizePx === inputSizePx ? batch : tf.image.resizeBilinear(batch, [inputSizePx, inputSizePx], true);
        return run(sized);
      });
      try {
        const flat = await features.data<'float32'>();
        return Array.from({ length: count }, (_, i) => flat.slice(i * featureSize, (i + 1) * featureSize));
      } finally {
        features.dispose();
      }
    },
    dispose: () => network.model.dispose(),
  };
}
