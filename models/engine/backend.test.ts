import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../core/index.js';
import { useBackend } from './backend.js';
import { assertKernelsNative } from './kernel-guard.js';

describe('backend selection', () => {
  it('refuses --backend tensorflow with a hint when tfjs-node is not installed', async () => {
    const attempt = useBackend({ preference: 'tensorflow' });
    await expect(attempt).rejects.toBeInstanceOf(AppError);
    await expect(attempt).rejects.toMatchObject({ code: 'ENGINE_BACKEND_UNAVAILABLE', hint: expect.stringContaining('--backend wasm') });
  });

  it('auto picks wasm, says why, and lists the kernels it added', async () => {
    const engine = await useBackend({ preference: 'auto' });
    expect(engine.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(engine.reason).toMatch(/tfjs-node/);
    expect(engine.addedKernels).toEqual(expect.arrayContaining(['UnsortedSegmentSum', 'Conv2DBackpropFilter']));
  });
});

describe('kernel guard', () => {
  it('names a kernel the active backend lacks instead of falling back', async () => {
    await useBackend({ preference: 'wasm' });
    // Einsum has no wasm kernel in tfjs 4.22 and none of our models need it.
    const run = assertKernelsNative(() => tf.tidy(() => tf.einsum('ij,jk->ik', tf.ones([2, 2]), tf.ones([2, 2]))));
    await expect(run).rejects.toMatchObject({ code: 'ENGINE_KERNEL_MISSING', message: expect.stringContaining('Einsum') });
  });

  it('lists the kernels a step dispatched', async () => {
    await useBackend({ preference: 'wasm' });
    const usage = await assertKernelsNative(() => tf.tidy(() => tf.matMul(tf.ones([2, 3]), tf.ones([3, 2])).dataSync()));
    expect(usage.kernels).toContain('BatchMatMul');
    expect(usage.missing).toEqual([]);
  });
});
