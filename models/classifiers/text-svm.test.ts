import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SplitRow } from '../../data/index.js';
import { openBundle, writeBundle } from '../bundle.js';
import { LABELS } from './classifier.js';
import { loadTextSvm, trainTextSvm } from './text-svm.js';
import type { TrainerOptions } from './trainer.js';

const OPTIONS: TrainerOptions = {
  epochs: 1,
  batchSize: 1,
  learningRate: 0,
  seed: 7,
  patience: 0,
  useClassWeights: true,
  vocabularySize: 100,
  sequenceLength: 8,
  imageSizePx: 32,
};

/** Three classes with their own vocabulary (French product titles), plus a row without text. */
const WORDS = [
  ['livre roman poche', 'roman policier édition', 'livre ancien relié'],
  ['piscine gonflable ronde', 'filtre piscine sable', 'bâche piscine hiver'],
  ['jeu console manette', 'manette sans fil console', 'jeu vidéo console'],
];
let id = 0;
const row = (label: number, text: string | null): SplitRow => ({
  productid: id++,
  label: LABELS[label] ?? 0,
  text,
  imagePath: null,
});
const rows = (copies: number) =>
  WORDS.flatMap((texts, label) =>
    Array.from({ length: copies }, (_, i) => row(label, `${texts[i % 3]} ${i}`)),
  );
const data = { train: [...rows(4), row(0, null)], validation: rows(1) };

describe('text-svm classifier', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('learns separable classes and returns probabilities that sum to 1', async () => {
    const trained = await trainTextSvm(data, OPTIONS);
    const probabilities = await trained.classifier.predictProba([
      { text: 'roman de poche' },
      { text: 'manette pour console' },
    ]);
    expect(probabilities.map((p) => p.indexOf(Math.max(...p)))).toEqual([0, 2]);
    for (const p of probabilities) expect(p.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
    expect(trained.history?.[0]?.validationWeightedF1).toBe(1);
  });

  it('rebuilds the same classifier from its bundle', async () => {
    const trained = await trainTextSvm(data, OPTIONS);
    const dir = await mkdtemp(path.join(tmpdir(), 'text-svm-'));
    dirs.push(dir);
    const bundleDir = path.join(dir, 'bundle');
    await writeBundle(bundleDir, {
      kind: 'text-svm',
      files: trained.files,
      metadata: { settings: trained.settings },
    });
    const opened = await openBundle(bundleDir);
    const loaded = await loadTextSvm({
      dir: bundleDir,
      ...opened,
      settings: JSON.parse(JSON.stringify(trained.settings)),
      openComponent: () => Promise.reject(new Error('no components')),
    });
    const products = [{ text: 'filtre à sable' }, { text: 'texte inconnu' }, { text: '' }];
    expect(await loaded.predictProba(products)).toEqual(await trained.classifier.predictProba(products));
  });

  it('trains the same weights twice for the same seed', async () => {
    const a = await trainTextSvm(data, OPTIONS);
    const b = await trainTextSvm(data, OPTIONS);
    expect(a.files['weights.bin']).toEqual(b.files['weights.bin']);
  });
});
