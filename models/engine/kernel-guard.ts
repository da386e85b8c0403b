import * as tf from '@tensorflow/tfjs';
import { AppError } from '../../core/index.js';
import { FUSED_LSTM_OP } from './fused-lstm.js';

// Ops with a hand-written gradient (tf.customGrad) appear in profiles under their scope name; the
// kernels they run are listed on their own and checked like any other.
const CUSTOM_GRADIENT_OPS = new Set([FUSED_LSTM_OP]);

export interface KernelUsage {
  /** Every kernel the function ran, sorted. */
  kernels: string[];
  /** Those not registered for the active backend (always empty unless tfjs fell back somewhere). */
  missing: string[];
}

/**
 * Runs `fn` under tf.profile and checks that every kernel it dispatched is registered for the
 * active backend, so a training step can be proven to stay on wasm (no silent CPU fallback).
 * Throws ENGINE_KERNEL_MISSING naming each missing kernel.
 */
export async function assertKernelsNative(fn: () => Promise<unknown> | unknown): Promise<KernelUsage> {
  const backendName = tf.getBackend();
  const registered = new Set(tf.getKernelsForBackend(backendName).map((k) => k.kernelName));
  const missingDuringRun: string[] = [];
  let info: Awaited<ReturnType<typeof tf.profile>>;
  try {
    info = await tf.profile(async () => {
      await fn();
    });
  } catch (error: unknown) {
    const match = /Kernel '(\w+)' not registered/.exec(error instanceof Error ? error.message : '');
    if (match?.[1]) missingDuringRun.push(match[1]);
    else throw error;
    throw new AppError('ENGINE_KERNEL_MISSING', `Kernel(s) missing on ${backendName}: ${missingDuringRun.join(', ')}`, {
      cause: error,
    });
  }
  // Profiles also list op scopes (`matMul__op`); only kernel names are dispatched to the backend.
  const kernels = [...new Set(info.kernelNames.map(String))].filter((name) => !name.endsWith('__op') && !CUSTOM_GRADIENT_OPS.has(name)).sort();
  const missing = kernels.filter((name) => !registered.has(name));
  if (missing.length > 0) {
    throw new AppError('ENGINE_KERNEL_MISSING', `Kernel(s) missing on ${backendName}: ${missing.join(', ')}`);
  }
  return { kernels, missing };
}
