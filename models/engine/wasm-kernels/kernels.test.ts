import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend.js';

// Every kernel this project adds or replaces on wasm is checked two ways: against the cpu
// backend's result (the reference implementation) and against central finite differences.

type Backend = 'cpu' | 'wasm';

async function on<T>(backend: Backend, fn: () => T): Promise<T> {
  await tf.setBackend(backend);
  return fn();
}

/** Runs fn on both backends with the same inputs (given as plain arrays) and returns both results. */
async function bothBackends(fn: () => tf.Tensor | tf.Tensor[]): Promise<{ cpu: number[][]; wasm: number[][] }> {
  const run = (backend: Backend) =>
    on(backend, () =>
      tf.tidy(() => {
        const out = fn();
        return (Array.isArray(out) ? out : [out]).map((t) => Array.from(t.dataSync()));
      }),
    );
  return { cpu: await run('cpu'), wasm: await run('wasm') };
}

function maxAbsDiff(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return max;
}

function expectClose(results: { cpu: number[][]; wasm: number[][] }, tolerance = 1e-3): void {
  expect(results.wasm.length).toBe(results.cpu.length);
  results.cpu.forEach((cpu, i) => {
    const scale = Math.max(1, ...cpu.map(Math.abs));
    expect(maxAbsDiff(cpu, results.wasm[i] ?? [])).toBeLessThan(tolerance * scale);
  });
}

/** Seeded values so every run compares the same numbers. */
function values(shape: number[], seed: number): tf.Tensor {
  return tf.randomUniform(shape, -1, 1, 'float32', seed);
}

/**
 * Compares d(sum(f(x) * r))/dx at a few entries with a central difference computed on wasm.
 * float32 forces a coarse step, so the tolerance is loose but still catches a wrong index or sign.
 */
async function expectGradientMatchesFiniteDifference(
  f: (x: tf.Tensor) => tf.Tensor,
  xShape: number[],
  probes = 6,
): Promise<void> {
  await tf.setBackend('wasm');
  const x0 = values(xShape, 11);
  const r = tf.tidy(() => values(f(x0).shape, 12));
  const loss = (x: tf.Tensor) => tf.sum(tf.mul(f(x), r));
  const analytic = tf.tidy(() => tf.grad(loss)(x0)).dataSync();
  const base = x0.dataSync();
  const eps = 1e-2;
  for (let p = 0; p < probes; p++) {
    const i = Math.floor(((p + 0.5) / probes) * base.length);
    const at = (delta: number) =>
      tf.tidy(() => {
        const shifted = Float32Array.from(base);
        shifted[i] = (shifted[i] ?? 0) + delta;
        return loss(tf.tensor(shifted, xShape)).dataSync()[0] ?? Number.NaN;
      });
    const numeric = (at(eps) - at(-eps)) / (2 * eps);
    expect(Math.abs(numeric - (analytic[i] ?? Number.NaN))).toBeLessThan(2e-2 * Math.max(1, Math.abs(numeric)));
  }
  tf.dispose([x0, r]);
}

beforeAll(async () => {
  const engine = await useBackend({ preference: 'wasm' });
  expect(engine.backend).toBe('wasm');
});

describe('UnsortedSegmentSum on wasm', () => {
  it.each([
    { rows: 7, inner: [3], segments: 4 },
    { rows: 20, inner: [2, 5], segments: 9 },
    { rows: 1, inner: [], segments: 3 },
  ])('sums rows into segments like cpu for $rows rows, inner $inner', async ({ rows, inner, segments }) => {
    const ids = Array.from({ length: rows }, (_, i) => (i * 5) % segments);
    expectClose(await bothBackends(() => tf.unsortedSegmentSum(values([rows, ...inner], 1), tf.tensor1d(ids, 'int32'), segments)));
  });

  it('drops ids outside [0, numSegments) as TensorFlow does', async () => {
    const out = await on('wasm', () =>
      tf.tidy(() => Array.from(tf.unsortedSegmentSum(tf.tensor2d([[1], [2], [4]]), tf.tensor1d([0, 5, -1], 'int32'), 2).dataSync())),
    );
    expect(out).toEqual([1, 0]);
  });

  it('is the gradient of gather (an embedding lookup), checked by finite differences', async () => {
    const ids = tf.tensor1d([3, 0, 3, 7, 1], 'int32');
    await expectGradientMatchesFiniteDifference((table) => tf.gather(table, ids), [8, 4], 8);
  });
});

const convCases = [
  { x: [2, 7, 7, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { x: [2, 7, 7, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'valid' },
  { x: [1, 8, 9, 2], filter: [3, 3, 2, 5], strides: 2, pad: 'same' },
  { x: [3, 9, 8, 4], filter: [2, 2, 4, 3], strides: 2, pad: 'valid' },
  { x: [1, 6, 6, 1], filter: [5, 5, 1, 2], strides: [1, 2], pad: 'same' },
] as const;

describe('Conv2D gradients on wasm', () => {
  it.each(convCases)('filter and input gradients match cpu: x $x, filter $filter, strides $strides, $pad', async (c) => {
    const results = await bothBackends(() => {
      const x = values([...c.x], 2);
      const w = values([...c.filter], 3);
      const y = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.strides as [number, number], c.pad);
      const dy = values(y.shape, 4);
      return [
        tf.conv2dTranspose(dy as tf.Tensor4D, w as tf.Tensor4D, [...c.x] as [number, number, number, number], c.strides as [number, number], c.pad),
        tf.grad((filter: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, filter as tf.Tensor4D, c.strides as [number, number], c.pad), dy)))(w),
      ];
    });
    expectClose(results);
  });

  it.each(convCases.slice(0, 3))('filter gradient matches finite differences: x $x, strides $strides, $pad', async (c) => {
    const x = await on('wasm', () => values([...c.x], 5));
    await expectGradientMatchesFiniteDifference(
      (w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.strides as [number, number], c.pad),
      [...c.filter],
    );
    x.dispose();
  });

  it.each(convCases.slice(2))('input gradient matches finite differences: x $x, strides $strides, $pad', async (c) => {
    const w = await on('wasm', () => values([...c.filter], 6));
    await expectGradientMatchesFiniteDifference(
      (x) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.strides as [number, number], c.pad),
      [...c.x],
    );
    w.dispose();
  });

  it('splits a batch too large for one patch matrix and still sums every image', async () => {
    // 600 images of 30x30 with a 3x3x4 filter exceed the 16M-float patch budget, forcing chunks.
    expectClose(
      await bothBackends(() => {
        const x = values([600, 30, 30, 4], 7);
        const dy = values([600, 30, 30, 2], 8);
        return tf.grad((w: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'), dy)))(
          values([3, 3, 4, 2], 9),
        );
      }),
      1e-3,
    );
  });
});

describe('matMul with transposed operands on wasm', () => {
  it.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])('matches cpu with transposeA=%s transposeB=%s: batched, and fused with bias and relu', async (ta, tb) => {
    expectClose(
      await bothBackends(() => {
        const a = values(ta ? [2, 5, 3] : [2, 3, 5], 10);
        const b = values(tb ? [2, 4, 5] : [2, 5, 4], 11);
        const a2d = values(ta ? [5, 3] : [3, 5], 13);
        const b2d = values(tb ? [4, 5] : [5, 4], 14);
        // Batched _FusedMatMul with a bias is wrong in tfjs-backend-wasm 4.22 itself (transposed
        // or not), so the fused case is checked in 2-D, the shape Dense layers use.
        return [
          tf.matMul(a, b, ta, tb),
          tf.fused.matMul({ a, b, transposeA: ta, transposeB: tb }),
          tf.fused.matMul({ a: a2d, b: b2d, transposeA: ta, transposeB: tb, bias: values([4], 12), activation: 'relu' }),
        ];
      }),
    );
  });

  it('leaves no tensors behind', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      tf.matMul(values([4, 3], 1), values([5, 3], 2), false, true);
      tf.matMul(values([3, 4], 1), values([3, 5], 2), true, false);
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('row-copy kernels on wasm', () => {
  it.each([0, 1, 2])('unstack along axis %i matches cpu', async (axis) => {
    expectClose(await bothBackends(() => tf.unstack(values([3, 4, 5], 20), axis)));
  });

  it('gathers embedding rows like cpu, for 1-D and 2-D indices, float and int tables', async () => {
    expectClose(
      await bothBackends(() => {
        const table = values([10, 6], 21);
        const intTable = tf.range(0, 30, 1, 'int32').reshape([10, 3]);
        return [
          tf.gather(table, tf.tensor1d([9, 0, 3, 3], 'int32')),
          tf.gather(table, tf.tensor2d([[1, 2], [8, 9]], [2, 2], 'int32')),
          tf.gather(intTable, tf.tensor1d([2, 7], 'int32')),
          tf.gather(table, tf.tensor1d([1, 4], 'int32'), 1),
        ];
      }),
    );
  });

  it('still rejects an index outside the table', async () => {
    await tf.setBackend('wasm');
    expect(() => tf.tidy(() => tf.gather(tf.ones([3, 2]), tf.tensor1d([3], 'int32')).dataSync())).toThrow(/not in \[0, 2\]/);
  });
});
