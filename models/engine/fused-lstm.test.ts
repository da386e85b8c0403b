import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from './backend.js';
import { FusedLstm, fusedLstm } from './fused-lstm.js';
import { assertKernelsNative } from './kernel-guard.js';

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  expect(a.shape).toEqual(b.shape);
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] ?? Number.POSITIVE_INFINITY);
}

interface Case {
  batch: number;
  steps: number;
  inputDim: number;
  units: number;
  returnSequences: boolean;
}

/** Outputs and gradients (x, kernel, recurrent kernel, bias) of both LSTMs on the same weights. */
function bothLstms(c: Case, seed: number) {
  return tf.tidy(() => {
    const x = tf.randomNormal<tf.Rank.R3>([c.batch, c.steps, c.inputDim], 0, 1, 'float32', seed);
    const layer = tf.layers.lstm({ units: c.units, returnSequences: c.returnSequences, recurrentActivation: 'sigmoid' });
    layer.apply(x);
    // Random weights (not the initialisers') so every gate is exercised, bias included.
    const weights = layer.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.5, 'float32', seed + 10 + i));
    layer.setWeights(weights);
    const [kernel, recurrent, bias] = weights as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
    const outShape = c.returnSequences ? [c.batch, c.steps, c.units] : [c.batch, c.units];
    const mix = tf.randomNormal(outShape, 0, 1, 'float32', seed + 99);
    const reference = layer.apply(x) as tf.Tensor;
    const referenceX = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(layer.apply(input) as tf.Tensor, mix)))(x);
    const referenceWeights = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, mix)) as tf.Scalar);
    const byName = (suffix: string) => {
      const entry = Object.entries(referenceWeights.grads).find(([name]) => name.endsWith(`/${suffix}`));
      if (!entry) throw new Error(`no gradient for ${suffix}`);
      return entry[1];
    };
    const fused = fusedLstm(x, kernel, recurrent, bias, { returnSequences: c.returnSequences });
    const fusedGrads = tf.grads((...inputs: tf.Tensor[]) => {
      const [xi, k, r, b] = inputs as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
      return tf.sum(tf.mul(fusedLstm(xi, k, r, b, { returnSequences: c.returnSequences }), mix));
    })([x, kernel, recurrent, bias]);
    return {
      output: maxAbsDiff(fused, reference),
      gradients: [
        maxAbsDiff(fusedGrads[0] as tf.Tensor, referenceX),
        maxAbsDiff(fusedGrads[1] as tf.Tensor, byName('kernel')),
        maxAbsDiff(fusedGrads[2] as tf.Tensor, byName('recurrent_kernel')),
        maxAbsDiff(fusedGrads[3] as tf.Tensor, byName('bias')),
      ],
    };
  });
}

describe('fusedLstm', () => {
  beforeAll(async () => {
    await useBackend({ preference: 'wasm' });
  });

  const cases: Case[] = [
    { batch: 3, steps: 5, inputDim: 4, units: 6, returnSequences: true },
    { batch: 2, steps: 7, inputDim: 9, units: 3, returnSequences: false },
    { batch: 5, steps: 2, inputDim: 2, units: 4, returnSequences: true },
    { batch: 4, steps: 12, inputDim: 16, units: 8, returnSequences: false },
  ];

  for (const [index, c] of cases.entries()) {
    it(`matches tf.layers.lstm outputs and gradients within 1e-4 (B${c.batch} T${c.steps} D${c.inputDim} U${c.units} seq=${c.returnSequences})`, () => {
      const diff = bothLstms(c, 1000 * (index + 1));
      expect(diff.output).toBeLessThan(1e-4);
      for (const g of diff.gradients) expect(g).toBeLessThan(1e-4);
    });
  }

  it('trains on wasm kernels only and leaves no tensors behind, in a model that uses the layer', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.embedding({ inputDim: 20, outputDim: 4, inputLength: 6 }),
        new FusedLstm({ units: 5, returnSequences: true }),
        new FusedLstm({ units: 3 }),
        tf.layers.dense({ units: 2, activation: 'softmax' }),
      ],
    });
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
    const x = tf.tensor2d([[1, 2, 3, 4, 5, 6], [6, 5, 4, 3, 2, 1]], [2, 6], 'int32');
    const y = tf.tensor2d([[1, 0], [0, 1]]);
    await model.trainOnBatch(x, y);
    const usage = await assertKernelsNative(() => model.trainOnBatch(x, y));
    expect(usage.missing).toEqual([]);
    const before = tf.memory().numTensors;
    let loss = 0;
    for (let i = 0; i < 30; i++) loss = Number(await model.trainOnBatch(x, y));
    expect(tf.memory().numTensors).toBe(before);
    expect(loss).toBeLessThan(0.3);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('saves and loads back as FusedLstm with the same predictions', async () => {
    const model = tf.sequential({
      layers: [tf.layers.embedding({ inputDim: 10, outputDim: 3, inputLength: 4 }), new FusedLstm({ units: 2 })],
    });
    const x = tf.tensor2d([[1, 2, 3, 0]], [1, 4], 'int32');
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    if (!saved) throw new Error('not saved');
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved));
    expect(loaded.layers[1]?.getClassName()).toBe('FusedLstm');
    expect(loaded.getWeights().map((w) => w.shape)).toEqual([[10, 3], [3, 8], [2, 8], [8]]);
    const a = model.predict(x) as tf.Tensor;
    const b = loaded.predict(x) as tf.Tensor;
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-6);
    tf.dispose([a, b, x]);
    model.dispose();
    loaded.dispose();
  });
});
