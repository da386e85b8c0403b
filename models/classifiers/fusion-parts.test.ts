import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/index.js';
import type { SplitRow } from '../../data/index.js';
import { writeTinyBackbone } from '../../test/support/tiny-backbone.js';
import { openBundle, writeBundle } from '../bundle.js';
import { useBackend } from '../engine/index.js';
import { loadRealSampleRows } from '../image/real-sample.js';
import { loadClassifier } from '../load-classifier.js';
import { LABELS } from './classifier.js';
import { loadFusion, trainFusion } from './fusion.js';
import { trainImageTransfer } from './image-transfer.js';
import { trainTfidf } from './tfidf.js';
import type { TrainedModel, TrainerOptions } from './trainer.js';

const OPTIONS: TrainerOptions = {
  epochs: 30,
  batchSize: 8,
  learningRate: 0.01,
  seed: 9,
  patience: 6,
  useClassWeights: true,
  vocabularySize: 500,
  sequenceLength: 16,
  imageSizePx: 32,
};

describe('fusion from trained parts', () => {
  let dir = '';
  let rows: SplitRow[] = [];
  let fused: TrainedModel;

  beforeAll(async () => {
    await useBackend({ preference: 'wasm' });
    dir = await mkdtemp(path.join(tmpdir(), 'fusion-parts-'));
    const backboneDir = await writeTinyBackbone(path.join(dir, 'backbone'), { seed: 4 });
    const dataDir = loadConfig(process.env).dataDir ?? '';
    rows = await loadRealSampleRows({
      dataDir,
      labels: LABELS.slice(0, 3),
      withBoth: 6,
      imageOnly: 2,
      textOnly: 4,
    });
    const data = {
      train: rows.filter((_, i) => i % 3 !== 0),
      validation: rows.filter((_, i) => i % 3 === 0),
    };
    const save = async (name: string, kind: 'tfidf' | 'image-transfer', model: TrainedModel) => {
      const bundleDir = path.join(dir, name);
      await writeBundle(bundleDir, {
        kind,
        files: model.files,
        metadata: { settings: model.settings, temperature: 1 },
      });
      model.classifier.dispose();
      return bundleDir;
    };
    const text = await save('text', 'tfidf', await trainTfidf(data, { ...OPTIONS, epochs: 3 }));
    const image = await save(
      'image',
      'image-transfer',
      await trainImageTransfer(data, { ...OPTIONS, backbone: backboneDir }),
    );
    fused = await trainFusion(data, {
      ...OPTIONS,
      componentBundles: { text, image },
      loadComponent: loadClassifier,
    });
  }, 180_000);

  afterAll(async () => {
    fused?.classifier.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('fits a head on validation products and nests both part bundles', () => {
    expect(fused.settings).toMatchObject({ arch: 'parts' });
    expect(Object.keys(fused.files)).toEqual(
      expect.arrayContaining(['head.json', 'text/manifest.json', 'image/manifest.json']),
    );
    expect(fused.history?.length).toBeGreaterThan(0);
    // It starts at "text alone" and keeps an epoch only when the held-out half scores better.
    const startF1 = fused.history?.[0]?.validationWeightedF1 ?? 0;
    expect(Math.max(...(fused.history ?? []).map((h) => h.validationWeightedF1))).toBeGreaterThanOrEqual(
      startF1,
    );
  });

  it('answers text only, photo only and both, and rebuilds the same from its bundle', async () => {
    const both = rows.find((r) => r.text && r.imagePath);
    const products = [
      { text: both?.text ?? null },
      { image: both?.imagePath ?? null },
      { text: both?.text ?? null, image: both?.imagePath ?? null },
    ];
    const direct = await fused.classifier.predictProba(products);
    for (const row of direct) {
      expect(row).toHaveLength(27);
      expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 4);
    }
    // A photo alone is answered by the image part, not a uniform row.
    expect(direct[0]).not.toEqual(direct[1]);
    expect(Math.max(...(direct[1] ?? []))).toBeGreaterThan(1 / 27 + 1e-3);

    const bundleDir = path.join(dir, 'fusion');
    await writeBundle(bundleDir, {
      kind: 'fusion',
      files: fused.files,
      metadata: { settings: fused.settings },
    });
    const opened = await openBundle(bundleDir);
    const loaded = await loadFusion({
      dir: bundleDir,
      ...opened,
      settings: JSON.parse(JSON.stringify(fused.settings)),
      openComponent: (sub) => loadClassifier(path.join(bundleDir, sub)),
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

  it('refuses to train without part bundles', async () => {
    await expect(trainFusion({ train: rows, validation: rows }, OPTIONS)).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
    });
  });
});
