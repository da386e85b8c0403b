import { mkdtemp, readFile, rm } from 'node:fs/promises';
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
import { createFusionTrainer, loadFusion, trainFusion } from './fusion.js';
import type { TrainedModel, TrainerOptions } from './trainer.js';

const OPTIONS: TrainerOptions = {
  epochs: 3,
  batchSize: 12,
  learningRate: 0.003,
  seed: 5,
  patience: 5,
  useClassWeights: true,
  vocabularySize: 500,
  sequenceLength: 12,
  imageSizePx: 32,
};

/** Tiny layers so the test trains in seconds on two cores; the reference sizes are the defaults. */
const TINY = {
  embeddingDim: 8,
  lstmUnits: [8, 8] as [number, number],
  blockFilters: [4, 8],
  imageDenseUnits: 16,
  headUnits: 16,
  dropoutRate: 0.3,
};

const noComponents = () => Promise.reject(new Error('a fusion bundle has no components'));

const maxAbsDiff = (a: Float32Array[], b: Float32Array[]) =>
  Math.max(...a.flatMap((row, i) => [...row].map((v, c) => Math.abs(v - (b[i]?.[c] ?? Number.NaN)))));

const productOf = (r: SplitRow): ProductInput => ({ text: r.text, image: r.imagePath });

describe('fusion classifier', () => {
  let rows: SplitRow[] = [];
  let trained: TrainedModel;
  let dir = '';

  beforeAll(async () => {
    await useBackend({ preference: 'wasm' });
    dir = await mkdtemp(path.join(tmpdir(), 'fusion-'));
    const dataDir = loadConfig(process.env).dataDir ?? '';
    // Per class: 6 products with text and photo, 3 with a photo only, 3 with a text only.
    rows = await loadRealSampleRows({
      dataDir,
      labels: LABELS.slice(0, 4),
      withBoth: 6,
      imageOnly: 3,
      textOnly: 3,
    });
    trained = await createFusionTrainer(TINY)(
      { train: rows.filter((_, i) => i % 4 !== 3), validation: rows.filter((_, i) => i % 4 === 3) },
      OPTIONS,
    );
  });

  afterAll(async () => {
    trained?.classifier.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('trains on text-only, photo-only and two-modality rows: the loss falls, validation F1 in [0, 1]', () => {
    expect(rows).toHaveLength(48);
    expect(rows.filter((r) => r.text === null)).toHaveLength(12);
    expect(rows.filter((r) => r.imagePath === null)).toHaveLength(12);
    const history = trained.history ?? [];
    expect(history).toHaveLength(3);
    expect(history[2]?.loss ?? Number.NaN).toBeLessThan(history[0]?.loss ?? Number.NaN);
    for (const epoch of history) {
      expect(Number.isFinite(epoch.loss)).toBe(true);
      expect(epoch.validationWeightedF1).toBeGreaterThanOrEqual(0);
      expect(epoch.validationWeightedF1).toBeLessThanOrEqual(1);
    }
    expect(trained.settings).toEqual({ imageSizePx: 32, sequenceLength: 12 });
    expect(Object.keys(trained.files).sort()).toEqual(['model.json', 'tokenizer.json', 'weights.bin']);
  });

  it('predicts products with both modalities, only a text or only a photo, without leaking tensors', async () => {
    const { classifier } = trained;
    expect(classifier.kind).toBe('fusion');
    expect(classifier.modalities).toEqual(['text', 'image']);
    const [both] = rows;
    const products: ProductInput[] = [
      productOf(rows[0] as SplitRow),
      { text: both?.text ?? null },
      { image: both?.imagePath ?? null },
      { image: new Uint8Array(await readFile(both?.imagePath ?? '')) },
    ];
    await classifier.predictProba(products);
    const before = tf.memory().numTensors;
    const probabilities = await classifier.predictProba(products);
    expect(tf.memory().numTensors).toBe(before);
    expect(probabilities).toHaveLength(4);
    for (const row of probabilities) {
      expect(row).toHaveLength(27);
      expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 4);
    }
    // The flags change the input, so text-only and photo-only are not read as the full product.
    expect(
      maxAbsDiff([probabilities[0] as Float32Array], [probabilities[1] as Float32Array]),
    ).toBeGreaterThan(0);
    expect(maxAbsDiff([probabilities[2] as Float32Array], [probabilities[3] as Float32Array])).toBeLessThan(
      1e-6,
    );
  });

  it('answers a uniform row for a product with neither text nor photo', async () => {
    const [row] = await trained.classifier.predictProba([{ text: '', image: null }]);
    expect([...(row ?? [])].every((v) => Math.abs(v - 1 / 27) < 1e-7)).toBe(true);
  });

  it('rebuilds the same classifier from its bundle', async () => {
    const bundleDir = path.join(dir, 'bundle');
    await writeBundle(bundleDir, {
      kind: 'fusion',
      files: trained.files,
      metadata: { settings: trained.settings },
    });
    const opened = await openBundle(bundleDir);
    const loaded: Classifier = await loadFusion({
      dir: bundleDir,
      ...opened,
      settings: JSON.parse(JSON.stringify(trained.settings)),
      openComponent: noComponents,
    });
    try {
      const products = rows.slice(0, 12).map(productOf);
      const diff = maxAbsDiff(
        await trained.classifier.predictProba(products),
        await loaded.predictProba(products),
      );
      expect(diff).toBeLessThan(1e-5);
    } finally {
      loaded.dispose();
    }
  });

  it('trains the same model twice for the same seed', async () => {
    const small = { train: rows.slice(0, 16), validation: rows.slice(16, 24) };
    const again = async () => {
      const model = await createFusionTrainer(TINY)(small, { ...OPTIONS, epochs: 1 });
      model.classifier.dispose();
      return model.history?.[0]?.loss;
    };
    expect(await again()).toBe(await again());
  });

  it('trains the reference architecture for one epoch', async () => {
    const reference = await trainFusion(
      { train: rows.slice(0, 16), validation: rows.slice(16, 24) },
      { ...OPTIONS, epochs: 1, fusionArch: 'reference' },
    );
    reference.classifier.dispose();
    expect(reference.history).toHaveLength(1);
  });
});
