import { getKernel, type KernelConfig, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input.js';
import { replaceTransposedMatMulKernels } from './untransposed-matmul.js';
import { unsortedSegmentSumConfig } from './unsorted-segment-sum.js';

/**
 * Gradient kernels that @tensorflow/tfjs-backend-wasm 4.22 lacks and that training our models
 * needs (found by running training steps under `assertKernelsNative`, see kernel-guard.ts).
 */
export const WASM_TRAINING_KERNELS: readonly KernelConfig[] = [unsortedSegmentSumConfig, conv2DBackpropFilterConfig];

/** Kernels wasm has but runs as scalar loops; ours compose XNNPACK kernels instead. */
const REPLACED = new WeakSet<KernelConfig>();
function replaceKernel(config: KernelConfig): string[] {
  const existing = getKernel(config.kernelName, 'wasm');
  if (existing && REPLACED.has(existing)) return [];
  if (existing) unregisterKernel(config.kernelName, 'wasm');
  registerKernel(config);
  REPLACED.add(config);
  return [`${config.kernelName} (faster)`];
}

/**
 * Registers the missing wasm gradient kernels and swaps in faster versions of the slow ones.
 * Idempotent; returns what it changed, for the training log.
 */
export function registerWasmTrainingKernels(): string[] {
  const added: string[] = [];
  for (const config of WASM_TRAINING_KERNELS) {
    if (getKernel(config.kernelName, 'wasm')) continue;
    registerKernel(config);
    added.push(config.kernelName);
  }
  return [...added, ...replaceKernel(conv2DBackpropInputConfig), ...replaceTransposedMatMulKernels(registerKernel)];
}
