import { mkdir, writeFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import { serializeLayersModel } from '../../models/tfjs-artifacts.js';

/**
 * Writes a small frozen "backbone" (conv + global average pooling over 32 px photos, 64 features)
 * as a tfjs layers folder: it stands in for MobileNet so image-transfer and fusion tests stay fast.
 */
export async function writeTinyBackbone(dir: string, options: { seed: number }): Promise<string> {
  const net = tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [32, 32, 3],
        filters: 64,
        kernelSize: 3,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: options.seed }),
      }),
      tf.layers.globalAveragePooling2d({}),
    ],
  });
  try {
    const { modelJson, weights } = await serializeLayersModel(net);
    await mkdir(dir, { recursive: true });
    await writeFile(`${dir}/model.json`, modelJson);
    await writeFile(`${dir}/weights.bin`, weights);
    return dir;
  } finally {
    net.dispose();
  }
}
