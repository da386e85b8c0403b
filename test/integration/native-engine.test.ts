import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EngineInfo, useBackend } from '../../models/engine/index.js';
import { buildFusionModel, REFERENCE_FUSION_MODEL } from '../../models/fusion-model.js';
import { buildImageCnn, REFERENCE_IMAGE_CNN } from '../../models/image-cnn.js';
import { buildTextLstm, REFERENCE_TEXT_LSTM } from '../../models/text-lstm.js';

// The native TensorFlow engine (`rakuten-ml engine install`), exercised by .ci/run after it builds
// the engine: RAKUTEN_ML_BACKEND=tensorflow npx vitest run test/integration/native-engine.test.ts.
// In a plain `npm test` the engine is not asked for, so this file skips and says why.
const isAsked = process.env.RAKUTEN_ML_BACKEND === 'tensorflow';
const SKIP_REASON = 'native engine not asked for (set RAKUTEN_ML_BACKEND=tensorflow after `rakuten-ml engine install`)';

let engine: EngineInfo;

beforeAll(async () => {
  if (!isAsked) return;
  engine = await useBackend({ preference: 'tensorflow' });
});

function values(shape: number[], seed: number): tf.Tensor {
  return tf.randomUniform(shape, -1, 1, 'float32', seed);
}

/** The gradient of `f` at x, on a given backend, as a plain array. */
async function gradientOn(backend: 'cpu' | 'tensorflow', f: (x: tf.Tensor) => tf.Tensor, x: number[], shape: number[]): Promise<number[]> {
  await tf.setBackend(backend);
  return tf.tidy(() => Array.from(tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t), values(f(t).shape, 7))))(tf.tensor(x, shape)).dataSync()));
}

async function expectSameGradient(f: (x: tf.Tensor) => tf.Tensor, shape: number[]): Promise<void> {
  const x = Array.from(tf.tidy(() => values(shape, 3).dataSync()));
  const reference = await gradientOn('cpu', f, x, shape);
  const native = await gradientOn('tensorflow', f, x, shape);
  const scale = Math.max(1, ...reference.map(Math.abs));
  const diff = Math.max(...reference.map((r, i) => Math.abs(r - (native[i] ?? Number.NaN))));
  expect(diff).toBeLessThan(1e-3 * scale);
}

describe.skipIf(!isAsked)(`native engine (${isAsked ? 'tensorflow' : SKIP_REASON})`, () => {
  afterAll(async () => {
    await tf.setBackend('tensorflow');
  });

  it('runs the project\'s own tfjs on the tensorflow backend and names the TensorFlow version', () => {
    expect(engine.backend).toBe('tensorflow');
    expect(tf.getBackend()).toBe('tensorflow');
    expect(engine.tensorflowVersion).toMatch(/^2\.\d+/);
    expect(engine.reason).toContain('native engine');
  });

  // The ops whose gradients the wasm kernels add (kernels.test.ts checks them on wasm) must match
  // the cpu reference on TensorFlow too: a model trained on either engine learns the same thing.
  it.each([
    ['embedding lookup (gather)', (x: tf.Tensor) => tf.gather(x, tf.tensor1d([3, 0, 3, 1], 'int32')), [5, 4]],
    ['conv2d', (x: tf.Tensor) => tf.conv2d(x.as4D(2, 6, 6, 2), tf.ones([3, 3, 2, 4]).as4D(3, 3, 2, 4), 1, 'same'), [2, 6, 6, 2]],
    ['max pool', (x: tf.Tensor) => tf.maxPool(x.as4D(1, 6, 6, 3), 2, 2, 'valid'), [1, 6, 6, 3]],
    ['sigmoid * tanh (LSTM gates)', (x: tf.Tensor) => tf.mul(tf.sigmoid(x), tf.tanh(x)), [4, 8]],
    ['batch matmul', (x: tf.Tensor) => tf.matMul(x.as2D(4, 6), tf.ones([6, 3])), [4, 6]],
  ] as const)('gives the cpu backend\'s gradient for %s', async (_name, f, shape) => {
    await expectSameGradient(f, [...shape]);
  });

  async function fitTwoEpochs(model: tf.LayersModel, x: tf.Tensor | tf.Tensor[], labels: number[], numClasses: number): Promise<number[]> {
    const y = tf.oneHot(tf.tensor1d(labels, 'int32'), numClasses);
    const optimizer = tf.train.adam(0.01);
    model.compile({ optimizer, loss: 'categoricalCrossentropy' });
    const history = await model.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
    const output = model.predict(x);
    const predicted = Array.isArray(output) ? output : [output];
    expect(predicted).toHaveLength(1);
    const totals = tf.tidy(() => Array.from(predicted[0]?.sum(1).dataSync() ?? []));
    expect(totals).toHaveLength(8);
    for (const total of totals) expect(total).toBeCloseTo(1, 3);
    tf.dispose(predicted);
    tf.dispose([y, ...(Array.isArray(x) ? x : [x])]);
    model.dispose();
    optimizer.dispose(); // Adam's moments are not the model's to dispose
    return history.history.loss?.map(Number) ?? [];
  }

  const labels = [0, 1, 2, 0, 1, 2, 0, 1];

  // fit() keeps a few tensors per call whatever the backend, measured the same on wasm (1 for the CNN,
  // 3 for the text LSTM and for the fusion, whose text trunk is that LSTM): the native engine must
  // not add to them.
  const expectNoLeak = (before: number, leftOnWasm = 1) => expect(tf.memory().numTensors - before).toBeLessThanOrEqual(leftOnWasm);

  it('trains the text LSTM two epochs without leaking tensors', async () => {
    const before = tf.memory().numTensors;
    const spec = { ...REFERENCE_TEXT_LSTM, vocabularySize: 60, sequenceLength: 10, embeddingDim: 8, lstmUnits: [8, 8] as [number, number], numClasses: 3, seed: 1 };
    const x = tf.randomUniform([8, spec.sequenceLength], 1, spec.vocabularySize, 'int32', 2);
    const losses = await fitTwoEpochs(buildTextLstm(spec), x, labels, 3);
    expect(losses).toHaveLength(2);
    for (const loss of losses) expect(Number.isFinite(loss)).toBe(true);
    expectNoLeak(before, 3);
  });

  it('trains the image CNN two epochs without leaking tensors', async () => {
    const before = tf.memory().numTensors;
    const spec = { ...REFERENCE_IMAGE_CNN, imageSizePx: 16, blockFilters: [4, 8], numClasses: 3, seed: 1 };
    const x = tf.randomUniform([8, 16, 16, 3], 0, 1, 'float32', 2);
    const losses = await fitTwoEpochs(buildImageCnn(spec), x, labels, 3);
    for (const loss of losses) expect(Number.isFinite(loss)).toBe(true);
    expectNoLeak(before);
  });

  it('trains the fusion model two epochs without leaking tensors', async () => {
    const before = tf.memory().numTensors;
    const spec = {
      ...REFERENCE_FUSION_MODEL,
      vocabularySize: 60,
      sequenceLength: 10,
      embeddingDim: 8,
      lstmUnits: [8, 8] as [number, number],
      imageSizePx: 16,
      blockFilters: [4],
      imageDenseUnits: 8,
      headUnits: 8,
      numClasses: 3,
      seed: 1,
    };
    const x = [
      tf.randomUniform([8, spec.sequenceLength], 1, spec.vocabularySize, 'int32', 2),
      tf.randomUniform([8, 16, 16, 3], 0, 1, 'float32', 3),
      tf.ones([8, 2]),
    ];
    const losses = await fitTwoEpochs(buildFusionModel(spec), x, labels, 3);
    for (const loss of losses) expect(Number.isFinite(loss)).toBe(true);
    expectNoLeak(before, 3);
  });
});

describe.skipIf(isAsked)('native engine tests', () => {
  it(`are skipped: ${SKIP_REASON}`, () => {
    expect(isAsked).toBe(false);
  });
});
