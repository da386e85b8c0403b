import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/index.js';
import type { SplitRow } from '../../data/index.js';
import { writeTinyBackbone } from '../../test/support/tiny-backbone.js';
import { openBundle, writeBundle } from '../bundle.js';
import { useBackend } from '../engine/index.js';
import { loadRealSampleRows } from '../image/real-sample.js';
import { LABELS } from './classifier.js';
import { loadImageTransfer, parseBackboneList, trainImageTransfer } from './image-transfer.js';
import type { TrainedModel, TrainerOptions } from './trainer.js';

const noComponents = () => Promise.reject(new Error('an image-transfer bundle has no components'));

describe('image-transfer classifier', () => {
  let dir = '';
  let backboneDir = '';
  let rows: SplitRow[] = [];
  let trained: TrainedModel;

  beforeAll(async () => {
    await useBackend({ preference: 'wasm' });
    dir = await mkdtemp(path.join(tmpdir(), 'image-transfer-'));
    // A small frozen "backbone" (conv + global pooling) stands in for MobileNet to keep the test fast.
    backboneDir = await writeTinyBackbone(path.join(dir, 'backbone'), { seed: 2 });
    const dataDir = loadConfig(process.env).dataDir ?? '';
    rows = await loadRealSampleRows({
      dataDir,
      labels: LABELS.slice(0, 3),
      withBoth: 0,
      imageOnly: 8,
      textOnly: 0,
    });
    const options: TrainerOptions = {
      epochs: 5,
      batchSize: 8,
      learningRate: 0.01,
      seed: 5,
      patience: 5,
      useClassWeights: true,
      vocabularySize: 100,
      sequenceLength: 8,
      imageSizePx: 32,
      backbone: backboneDir,
    };
    trained = await trainImageTransfer(
      { train: rows.filter((_, i) => i % 4 !== 0), validation: rows.filter((_, i) => i % 4 === 0) },
      options,
    );
  }, 120_000);

  afterAll(async () => {
    trained?.classifier.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('trains a head on frozen features and keeps the user backbone inside the bundle', () => {
    expect(trained.history?.length).toBeGreaterThan(0);
    expect(trained.settings).toMatchObject({
      imageSizePx: 32,
      featureSize: 64,
      backbones: [{ folder: 'backbone-0' }],
    });
    expect(Object.keys(trained.files).sort()).toEqual(
      [
        'backbone-0/model.json',
        'backbone-0/weights.bin',
        'model.json',
        'standardiser.bin',
        'weights.bin',
      ].sort(),
    );
  });

  it('predicts 27 probabilities, uniform for a product without a photo, and rebuilds the same from its bundle', async () => {
    const products = rows.slice(0, 4).map((r) => ({ image: r.imagePath }));
    const before = tf.memory().numTensors;
    const direct = await trained.classifier.predictProba([...products, { text: 'un livre' }]);
    expect(tf.memory().numTensors).toBe(before);
    for (const row of direct) expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 4);
    expect(direct[4]?.every((v) => Math.abs(v - 1 / 27) < 1e-7)).toBe(true);

    const bundleDir = path.join(dir, 'bundle');
    await writeBundle(bundleDir, {
      kind: 'image-transfer',
      files: trained.files,
      metadata: { settings: trained.settings },
    });
    const opened = await openBundle(bundleDir);
    const loaded = await loadImageTransfer({
      dir: bundleDir,
      ...opened,
      settings: JSON.parse(JSON.stringify(trained.settings)),
      openComponent: noComponents,
    });
    try {
      const again = await loaded.predictProba(products);
      const diff = Math.max(
        ...again.flatMap((row, i) => [...row].map((v, c) => Math.abs(v - (direct[i]?.[c] ?? Number.NaN)))),
      );
      expect(diff).toBeLessThan(1e-5);
    } finally {
      loaded.dispose();
    }
  });

  it('reads a+b as two backbones and refuses an empty list', () => {
    expect(parseBackboneList(undefined)).toEqual(['mobilenet-v2-mid', 'mobilenet-v2']);
    expect(parseBackboneList('mobilenet-v2-mid+mobilenet-v2')).toEqual(['mobilenet-v2-mid', 'mobilenet-v2']);
    expect(() => parseBackboneList('+')).toThrow(/names no backbone/);
  });
});
