import { readdir } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { readChallengeCsv } from '../../data/challenge-csv.js';
import { CATEGORIES } from '../../data/categories.js';
import { joinProductText } from '../../data/clean-text.js';
import { assertKernelsNative, useBackend } from '../../models/engine/index.js';
import { sharedDataDir } from '../support/shared-data.js';

// End to end on the wasm backend: a small LSTM and a small CNN take a few Adam steps on real
// products and must lower their loss, with every kernel they dispatch native to wasm.

const CLASS_INDEX = new Map(CATEGORIES.map((c, i) => [c.code, i]));

function labelIndex(code: string): number {
  const index = CLASS_INDEX.get(Number(code));
  if (index === undefined) throw new Error(`unknown prdtypecode ${code}`);
  return index;
}

async function readTextBatch(dir: string, rows: number, sequenceLength: number, vocabularySize: number) {
  const texts: string[] = [];
  for await (const r of readChallengeCsv(path.join(dir, 'X_train.csv'), ['designation', 'description'])) {
    texts.push(joinProductText(r.fields.designation ?? '', r.fields.description ?? '').toLowerCase());
    if (texts.length === rows) break;
  }
  const labels: number[] = [];
  for await (const r of readChallengeCsv(path.join(dir, 'Y_train.csv'), ['prdtypecode'])) {
    labels.push(labelIndex(r.fields.prdtypecode ?? ''));
    if (labels.length === rows) break;
  }
  const counts = new Map<string, number>();
  const tokenized = texts.map((t) => t.split(/[^\p{L}\p{N}]+/u).filter(Boolean));
  for (const words of tokenized) for (const w of words) counts.set(w, (counts.get(w) ?? 0) + 1);
  const vocabulary = new Map(
    [...counts]
      .sort((a, b) => b[1] - a[1])
      .slice(0, vocabularySize - 2)
      .map(([w], i) => [w, i + 2]),
  );
  const ids = tokenized.map((words) => {
    const seq = words.slice(0, sequenceLength).map((w) => vocabulary.get(w) ?? 1);
    return [...seq, ...Array<number>(sequenceLength - seq.length).fill(0)];
  });
  return { x: tf.tensor2d(ids, [rows, sequenceLength], 'int32'), y: tf.oneHot(tf.tensor1d(labels, 'int32'), 27) };
}

async function readImageBatch(dir: string, count: number, sizePx: number) {
  const labelByImage = new Map<string, string>();
  for await (const r of readChallengeCsv(path.join(dir, 'ids_all.csv'), ['imageid', 'prdtypecode'])) {
    labelByImage.set(r.fields.imageid ?? '', r.fields.prdtypecode ?? '');
  }
  const imageDir = path.join(dir, 'images', 'image_train');
  const files = (await readdir(imageDir)).filter((f) => f.endsWith('.jpg')).sort();
  // Every 10th file: a spread over the classes rather than the first few.
  const picked = files.filter((_, i) => i % 10 === 0).slice(0, count);
  const pixels = new Float32Array(picked.length * sizePx * sizePx * 3);
  const labels: number[] = [];
  for (const [i, file] of picked.entries()) {
    const raw = await sharp(path.join(imageDir, file)).resize(sizePx, sizePx).removeAlpha().raw().toBuffer();
    for (let j = 0; j < raw.length; j++) pixels[i * raw.length + j] = (raw[j] ?? 0) / 255;
    const imageId = /^image_(\d+)_product/.exec(file)?.[1] ?? '';
    labels.push(labelIndex(labelByImage.get(imageId) ?? ''));
  }
  return {
    x: tf.tensor4d(pixels, [picked.length, sizePx, sizePx, 3]),
    y: tf.oneHot(tf.tensor1d(labels, 'int32'), 27),
  };
}

async function lossAfterSteps(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor, steps: number) {
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
  const lossOf = () => tf.tidy(() => (model.evaluate(x, y, { batchSize: 64 }) as tf.Scalar).dataSync()[0] ?? Number.NaN);
  const before = lossOf();
  const usage = await assertKernelsNative(() => model.trainOnBatch(x, y));
  for (let i = 1; i < steps; i++) await model.trainOnBatch(x, y);
  return { before, after: lossOf(), kernels: usage.kernels };
}

describe('training on the wasm backend with real products', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = sharedDataDir();
    expect((await useBackend({ preference: 'wasm' })).backend).toBe('wasm');
  });

  it('a small LSTM lowers its loss on real titles and descriptions', async () => {
    const { x, y } = await readTextBatch(dataDir, 128, 24, 2000);
    const model = tf.sequential({
      layers: [
        tf.layers.embedding({ inputDim: 2000, outputDim: 32, inputLength: 24 }),
        tf.layers.lstm({ units: 32, recurrentActivation: 'sigmoid' }),
        tf.layers.dense({ units: 27, activation: 'softmax' }),
      ],
    });
    const { before, after, kernels } = await lossAfterSteps(model, x, y, 15);
    expect(kernels).toContain('UnsortedSegmentSum');
    expect(after).toBeLessThan(before * 0.8);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('a small CNN lowers its loss on real product photos', async () => {
    const { x, y } = await readImageBatch(dataDir, 64, 32);
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [32, 32, 3], filters: 8, kernelSize: 3, activation: 'relu', padding: 'same' }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.conv2d({ filters: 16, kernelSize: 3, strides: 2, activation: 'relu' }),
        tf.layers.averagePooling2d({ poolSize: 2 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 27, activation: 'softmax' }),
      ],
    });
    const { before, after, kernels } = await lossAfterSteps(model, x, y, 15);
    expect(kernels).toEqual(expect.arrayContaining(['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad', 'AvgPoolGrad']));
    expect(after).toBeLessThan(before * 0.8);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('a fusion of a text and an image trunk (concatenate, global pooling, batch norm) trains with native kernels only', async () => {
    const text = tf.input({ shape: [12], dtype: 'int32' });
    const image = tf.input({ shape: [16, 16, 3] });
    const textTrunk = tf.layers.lstm({ units: 8, recurrentActivation: 'sigmoid' }).apply(
      tf.layers.embedding({ inputDim: 50, outputDim: 8 }).apply(text),
    ) as tf.SymbolicTensor;
    const imageTrunk = tf.layers.globalAveragePooling2d({}).apply(
      tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }).apply(image),
    ) as tf.SymbolicTensor;
    const joined = tf.layers.concatenate().apply([textTrunk, imageTrunk]) as tf.SymbolicTensor;
    const normalised = tf.layers.batchNormalization().apply(tf.layers.dropout({ rate: 0.2 }).apply(joined));
    const output = tf.layers.dense({ units: 27, activation: 'softmax' }).apply(normalised) as tf.SymbolicTensor;
    const model = tf.model({ inputs: [text, image], outputs: output });
    model.compile({ optimizer: tf.train.sgd(0.05), loss: 'categoricalCrossentropy' });
    const x = [tf.randomUniform([16, 12], 0, 50, 'int32', 1), tf.randomUniform([16, 16, 16, 3], 0, 1, 'float32', 2)];
    const y = tf.oneHot(tf.randomUniform([16], 0, 27, 'int32', 3), 27);
    const usage = await assertKernelsNative(() => model.trainOnBatch(x, y));
    expect(usage.kernels).toEqual(expect.arrayContaining(['Concat', 'FusedBatchNorm', 'Mean', 'UnsortedSegmentSum']));
    tf.dispose([...x, y]);
    model.dispose();
  });
});
