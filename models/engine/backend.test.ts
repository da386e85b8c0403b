import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../core/index.js';
import { useBackend } from './backend.js';
import { assertKernelsNative } from './kernel-guard.js';

// An empty engine folder: these tests hold on a machine where `rakuten-ml engine install` ran.
const noNativeEngine = mkdtempSync(path.join(tmpdir(), 'no-engine-'));

describe('backend selection', () => {
  it('refuses --backend tensorflow with a hint when the native engine is not installed', async () => {
    const attempt = useBackend({ preference: 'tensorflow', nativeDir: noNativeEngine });
    await expect(attempt).rejects.toBeInstanceOf(AppError);
    await expect(attempt).rejects.toMatchObject({
      code: 'ENGINE_BACKEND_UNAVAILABLE',
      message: expect.stringContaining(`not installed in ${noNativeEngine}`),
      hint: expect.stringMatching(/rakuten-ml engine install.*--backend wasm/),
    });
  });

  it('auto picks wasm when no native engine is installed, says why, and lists the kernels it added', async () => {
    const engine = await useBackend({ preference: 'auto', nativeDir: noNativeEngine });
    expect(engine.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(engine.reason).toMatch(/no native engine/);
    expect(engine.nativeEngine).toContain('rakuten-ml engine install');
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
