import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/index.js';
import type { SplitRow } from '../../data/index.js';
import { openBundle, writeBundle } from '../bundle.js';
import { useBackend } from '../engine/index.js';
import { loadRealSampleRows } from '../image/real-sample.js';
import { type Classifier, LABELS, type ProductInput } from './classifier.js';
import { createCnnTrainer, loadCnn, trainCnn } from './cnn.js';
import type { TrainedModel, TrainerOptions } from './trainer.js';

const OPTIONS: TrainerOptions = {
  epochs: 4,
  batchSize: 12,
  learningRate: 0.002,
  seed: 3,
  patience: 5,
  useClassWeights: true,
  vocabularySize: 1000,
  sequenceLength: 16,
  imageSizePx: 32,
};

const noComponents = () => Promise.reject(new Error('a cnn bundle has no components'));

const maxAbsDiff = (a: Float32Array[], b: Float32Array[]) =>
  Math.max(...a.flatMap((row, i) => [...row].map((v, c) => Math.abs(v - (b[i]?.[c] ?? Number.NaN)))));

describe('cnn classifier', () => {
  let rows: SplitRow[] = [];
  let trained: TrainedModel;
  let dir = '';

  beforeAll(async () => {
    await useBackend({ preference: 'wasm' });
    dir = await mkdtemp(path.join(tmpdir(), 'cnn-'));
    const dataDir = loadConfig(process.env).dataDir ?? '';
    rows = await loadRealSampleRows({
      dataDir,
      labels: LABELS.slice(0, 4),
      withBoth: 0,
      imageOnly: 12,
      textOnly: 0,
    });
    const train = createCnnTrainer({ blockFilters: [8, 16], denseUnits: 32, dropoutRate: 0.3 });
    trained = await train(
      { train: rows.filter((_, i) => i % 4 !== 3), validation: rows.filter((_, i) => i % 4 === 3) },
      OPTIONS,
    );
  });

  afterAll(async () => {
    trained?.classifier.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('trains on real photos: the loss falls and each epoch records a validation F1 in [0, 1]', () => {
    expect(rows).toHaveLength(48);
    const history = trained.history ?? [];
    expect(history).toHaveLength(4);
    expect(history[3]?.loss ?? Number.NaN).toBeLessThan(history[0]?.loss ?? Number.NaN);
    for (const epoch of history) {
      expect(Number.isFinite(epoch.loss)).toBe(true);
      expect(epoch.validationWeightedF1).toBeGreaterThanOrEqual(0);
      expect(epoch.validationWeightedF1).toBeLessThanOrEqual(1);
    }
    expect(trained.settings).toEqual({ imageSizePx: 32 });
    expect(Object.keys(trained.files).sort()).toEqual(['model.json', 'weights.bin']);
  });

  it('predicts 27 probabilities summing to 1, from paths or bytes, without leaking tensors', async () => {
    const { classifier } = trained;
    expect(classifier.kind).toBe('cnn');
    expect(classifier.modalities).toEqual(['image']);
    const products: ProductInput[] = rows.slice(0, 5).map((r) => ({ image: r.imagePath }));
    await classifier.predictProba(products);
    const before = tf.memory().numTensors;
    const probabilities = await classifier.predictProba(products);
    expect(tf.memory().numTensors).toBe(before);
    for (const row of probabilities) {
      expect(row).toHaveLength(27);
      expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 4);
    }
  });

  it('answers a uniform row for a product without an image instead of failing', async () => {
    const [row] = await trained.classifier.predictProba([{ text: 'une console' }]);
    expect([...(row ?? [])].every((v) => Math.abs(v - 1 / 27) < 1e-7)).toBe(true);
  });

  it('rebuilds the same classifier from its bundle', async () => {
    const bundleDir = path.join(dir, 'bundle');
    await writeBundle(bundleDir, {
      kind: 'cnn',
      files: trained.files,
      metadata: { settings: trained.settings },
    });
    const opened = await openBundle(bundleDir);
    const loaded: Classifier = await loadCnn({
      dir: bundleDir,
      ...opened,
      settings: JSON.parse(JSON.stringify(trained.settings)),
      openComponent: noComponents,
    });
    try {
      const products = rows.slice(0, 8).map((r) => ({ image: r.imagePath }));
      const diff = maxAbsDiff(
        await trained.classifier.predictProba(products),
        await loaded.predictProba(products),
      );
      expect(diff).toBeLessThan(1e-5);
    } finally {
      loaded.dispose();
    }
  });

  it('refuses a bundle whose settings lack the image size', async () => {
    await expect(
      loadCnn({
        dir,
        manifest: { formatVersion: 1, kind: 'cnn', createdAt: '', files: {}, metadata: {} },
        read: async () => Buffer.from(''),
        settings: {},
        openComponent: noComponents,
      }),
    ).rejects.toMatchObject({ code: 'BUNDLE_CORRUPT' });
  });

  it('trains the reference architecture for one epoch', async () => {
    const reference = await trainCnn(
      { train: rows.slice(0, 24), validation: rows.slice(24, 32) },
      { ...OPTIONS, epochs: 1 },
    );
    reference.classifier.dispose();
    expect(reference.history).toHaveLength(1);
  });
});
