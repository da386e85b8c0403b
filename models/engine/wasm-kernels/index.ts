import { _FusedMatMul, BatchMatMul, GatherV2, getKernel, type KernelConfig, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';
import { AppError } from '../../../core/index.js';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input.js';
import { gatherRowsConfig, unpackConfig } from './row-copy-kernels.js';
import { untransposedMatMulConfig } from './untransposed-matmul.js';
import { unsortedSegmentSumConfig } from './unsorted-segment-sum.js';

/**
 * Gradient kernels that @tensorflow/tfjs-backend-wasm 4.22 lacks and that training our models
 * needs (found by running training steps under `assertKernelsNative`, see kernel-guard.ts).
 */
export const WASM_TRAINING_KERNELS: readonly KernelConfig[] = [unsortedSegmentSumConfig, conv2DBackpropFilterConfig];

/**
 * Kernels wasm has but runs slowly on training shapes, each with how ours is built from the
 * original (measured per call in the README's engine section).
 */
const FASTER_KERNELS: readonly { name: string; label: string; make: (original: KernelConfig) => KernelConfig }[] = [
  { name: conv2DBackpropInputConfig.kernelName, label: 'im2col + XNNPACK', make: () => conv2DBackpropInputConfig },
  { name: BatchMatMul, label: 'untransposed', make: untransposedMatMulConfig },
  { name: _FusedMatMul, label: 'untransposed', make: untransposedMatMulConfig },
  { name: unpackConfig.kernelName, label: 'row copies', make: () => unpackConfig },
  { name: GatherV2, label: 'row copies', make: gatherRowsConfig },
];

const REPLACEMENTS = new WeakSet<KernelConfig['kernelFunc']>();

function replaceKernel(name: string, make: (original: KernelConfig) => KernelConfig): boolean {
  const original = getKernel(name, 'wasm');
  if (!original) throw new AppError('ENGINE_KERNEL_MISSING', `The wasm backend has no '${name}' kernel to replace.`);
  if (REPLACEMENTS.has(original.kernelFunc)) return false;
  const replacement = make(original);
  REPLACEMENTS.add(replacement.kernelFunc);
  unregisterKernel(name, 'wasm');
  // Keep wasm's setup (it binds the C++ function the fallback paths call).
  registerKernel({ ...replacement, setupFunc: replacement.setupFunc ?? original.setupFunc });
  return true;
}

/**
 * Registers the missing wasm gradient kernels and swaps in faster versions of the slow ones.
 * Idempotent; returns what it changed, for the training log.
 */
export function registerWasmTrainingKernels(): string[] {
  const changed: string[] = [];
  for (const config of WASM_TRAINING_KERNELS) {
    if (getKernel(config.kernelName, 'wasm')) continue;
    registerKernel(config);
    changed.push(config.kernelName);
  }
  for (const { name, label, make } of FASTER_KERNELS) {
    if (replaceKernel(name, make)) changed.push(`${name} (${label})`);
  }
  return changed;
}
