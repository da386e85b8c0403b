import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { useBackend } from './backend.js';

// Its own test file, hence its own process: a process holds one wasm module, threaded or not.
describe('threaded wasm backend', () => {
  it('starts two threads in Node and computes what single-threaded math computes', async () => {
    const engine = await useBackend({ preference: 'wasm', threads: 2 });
    expect(engine.backend).toBe('wasm');
    expect(engine.threads).toBe(2);
    const a = Array.from({ length: 64 * 48 }, (_, i) => ((i * 7) % 13) / 13 - 0.5);
    const b = Array.from({ length: 48 * 32 }, (_, i) => ((i * 5) % 11) / 11 - 0.5);
    const product = tf.tidy(() => tf.matMul(tf.tensor2d(a, [64, 48]), tf.tensor2d(b, [48, 32])).dataSync());
    let maxDiff = 0;
    for (let r = 0; r < 64; r++) {
      for (let c = 0; c < 32; c++) {
        let expected = 0;
        for (let k = 0; k < 48; k++) expected += (a[r * 48 + k] ?? 0) * (b[k * 32 + c] ?? 0);
        maxDiff = Math.max(maxDiff, Math.abs(expected - (product[r * 32 + c] ?? 0)));
      }
    }
    expect(maxDiff).toBeLessThan(1e-4);
  });
});
