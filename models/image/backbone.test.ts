import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError, loadConfig } from '../../core/index.js';
import { useBackend } from '../engine/index.js';
import { serializeLayersModel } from '../tfjs-artifacts.js';
import { loadBackbone } from './backbone.js';
import { extractFeatures } from './backbone-features.js';
import { openFeatureCache } from './feature-cache.js';
import { loadRealSampleRows } from './real-sample.js';

/** A tiny tfjs layers model saved as model.json + weights.bin, as a user's converted network would be. */
async function saveModel(dir: string, model: tf.LayersModel): Promise<void> {
  const { modelJson, weights } = await serializeLayersModel(model);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'model.json'), modelJson);
  await writeFile(path.join(dir, 'weights.bin'), weights);
  model.dispose();
}

const convNet = (head: 'pool' | 'softmax') =>
  tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [32, 32, 3], filters: 96, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.globalAveragePooling2d({}),
      ...(head === 'softmax' ? [tf.layers.dense({ units: 5, activation: 'softmax' })] : []),
    ],
  });

const expectBackboneError = async (promise: Promise<unknown>, mentions: string) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  expect((error as InputError).code).toBe('BACKBONE_INVALID');
  expect((error as InputError).message).toContain(mentions);
};

describe('backbones', () => {
  let dir = '';
  beforeAll(async () => {
    await useBackend({ preference: 'wasm' });
    dir = await mkdtemp(path.join(tmpdir(), 'backbone-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('opens the MobileNetV2 shipped in nsfwjs and reads its 1,280 pooled features', async () => {
    const backbone = await loadBackbone('mobilenet-v2');
    try {
      expect([backbone.id, backbone.inputSizePx, backbone.featureSize]).toEqual(['nsfwjs-4.4.0-mobilenet-v2', 224, 1280]);
      const before = tf.memory().numTensors;
      const pixels = new Float32Array(2 * 64 * 64 * 3).map((_, i) => (i % 7) / 7);
      const features = await backbone.extract(pixels, 2, 64);
      expect(features).toHaveLength(2);
      expect(features[0]).toHaveLength(1280);
      expect(features[0]?.every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      backbone.dispose();
    }
  }, 60_000);

  it('opens any tfjs layers model folder, pooling at its last global pooling layer', async () => {
    const folder = path.join(dir, 'custom');
    await saveModel(folder, convNet('pool'));
    const backbone = await loadBackbone(folder);
    expect(backbone.id).toMatch(/^dir-[0-9a-f]{16}$/);
    expect([backbone.inputSizePx, backbone.featureSize]).toEqual([32, 96]);
    backbone.dispose();
  });

  it('refuses a folder without a tfjs model, and a model whose output is class scores, naming the path', async () => {
    const empty = path.join(dir, 'empty');
    await mkdir(empty);
    await expectBackboneError(loadBackbone(empty), empty);
    const notJson = path.join(dir, 'not-json');
    await mkdir(notJson);
    await writeFile(path.join(notJson, 'model.json'), 'this is not json');
    await expectBackboneError(loadBackbone(notJson), path.join(notJson, 'model.json'));
    const classifierDir = path.join(dir, 'classifier');
    const withSoftmax = convNet('softmax');
    await saveModel(classifierDir, withSoftmax);
    // The pooling layer is found, so this one works; naming the softmax layer as the features does not.
    await writeFile(path.join(classifierDir, 'backbone.json'), JSON.stringify({ featureNode: withSoftmax.layers[2]?.name }));
    await expectBackboneError(loadBackbone(classifierDir), 'class scores');
  });

  it('caches features per image sha256 and backbone; an undecodable photo names its file and leaves no partial file', async () => {
    const folder = path.join(dir, 'custom');
    const backbone = await loadBackbone(folder);
    const dataDir = loadConfig(process.env).dataDir ?? '';
    const rows = await loadRealSampleRows({ dataDir, labels: [10, 40], withBoth: 0, imageOnly: 2, textOnly: 0 });
    // Lay the photos out as the image cache does: <cache>/<size>/<sha256>.png.
    const cacheRoot = path.join(dir, 'images');
    await mkdir(path.join(cacheRoot, '32'), { recursive: true });
    const sources: string[] = [];
    for (const [i, row] of rows.entries()) {
      const target = path.join(cacheRoot, '32', `${String(i).repeat(64).slice(0, 64)}.png`);
      await writeFile(target, await readFile(row.imagePath ?? ''));
      sources.push(target);
    }
    const first = await extractFeatures(sources, { backbone, sizePx: 32 });
    const cache = openFeatureCache(path.join(cacheRoot, 'features'), backbone.id);
    const cached = await cache.get('0'.repeat(64), 32, 96);
    expect(Array.from(cached ?? [])).toEqual(Array.from(first[0] ?? []));
    expect(await cache.get('0'.repeat(64), 32, 95)).toBeUndefined();

    const broken = path.join(cacheRoot, '32', `${'f'.repeat(64)}.png`);
    await writeFile(broken, 'not an image');
    const error = await extractFeatures([broken], { backbone, sizePx: 32 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).code).toBe('IMAGE_UNREADABLE');
    expect((error as InputError).message).toContain(broken);
    const files = await readdir(path.join(cacheRoot, 'features', backbone.id, '32'), { recursive: true });
    expect(files.some((f) => String(f).includes('ffff') || String(f).endsWith('.tmp'))).toBe(false);
    backbone.dispose();
  });
});
