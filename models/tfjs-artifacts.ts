import * as tf from '@tensorflow/tfjs';
import { InputError } from '../core/index.js';

/** A layers model as two bundle files: the topology + weight manifest, and the weight bytes. */
export interface SerializedModel {
  modelJson: string;
  weights: Uint8Array;
}

/**
 * Serialises without tfjs-node's file:// handler (not installed): the same model.json and
 * weights.bin layout `tf.loadLayersModel` reads.
 */
export async function serializeLayersModel(model: tf.LayersModel): Promise<SerializedModel> {
  let saved: SerializedModel | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData;
      const buffers = weightData === undefined ? [] : Array.isArray(weightData) ? weightData : [weightData];
      const total = buffers.reduce((n, b) => n + b.byteLength, 0);
      const weights = new Uint8Array(total);
      let offset = 0;
      for (const buffer of buffers) {
        weights.set(new Uint8Array(buffer), offset);
        offset += buffer.byteLength;
      }
      saved = {
        modelJson: JSON.stringify({
          format: 'layers-model',
          generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
          modelTopology: artifacts.modelTopology,
          weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
        }),
        weights,
      };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!saved) throw new InputError('BUNDLE_CORRUPT', 'tfjs did not hand over the model artifacts.');
  return saved;
}

/** The inverse of serializeLayersModel. */
export async function deserializeLayersModel(modelJson: string | Buffer, weights: Uint8Array): Promise<tf.LayersModel> {
  const parsed = JSON.parse(modelJson.toString()) as {
    modelTopology: object;
    weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[];
  };
  const weightSpecs = parsed.weightsManifest.flatMap((group) => group.weights);
  const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer;
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: parsed.modelTopology, weightSpecs, weightData }));
}
