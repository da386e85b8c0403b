import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { type DataType, getKernel, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { AppError } from '../../../core/index.js';

/**
 * The wasm backend class is not exported as a value, so kernels narrow the backend they are
 * handed by the methods they need. A kernel registered for 'wasm' only ever receives a BackendWasm.
 */
export function asWasmBackend(backend: object): BackendWasm {
  if (!('typedArrayFromHeap' in backend) || !('makeOutput' in backend)) {
    throw new AppError('ENGINE_BACKEND_UNAVAILABLE', 'A wasm kernel was called with a backend that is not wasm.');
  }
  return backend as BackendWasm;
}

/** The named input of a kernel call; tfjs always passes them, the type just does not say so. */
export function requireInput(inputs: NamedTensorInfoMap, name: string, kernelName: string): TensorInfo {
  const input = inputs[name];
  if (!input) throw new AppError('ENGINE_KERNEL_MISSING', `${kernelName} was called without its '${name}' input.`);
  return input;
}

/** The float32 values of a tensor on the wasm heap (a view: take it after the last allocation). */
export function float32View(backend: BackendWasm, info: TensorInfo): Float32Array {
  const values = backend.typedArrayFromHeap(info);
  if (!(values instanceof Float32Array)) {
    throw new AppError('ENGINE_KERNEL_MISSING', `This wasm training kernel needs float32 tensors, got ${info.dtype}.`);
  }
  return values;
}

/** Allocates an output tensor on the wasm heap and returns it with a zeroed writable view. */
export function makeZeroedOutput(
  backend: BackendWasm,
  shape: number[],
  dtype: DataType,
): { info: TensorInfo; values: Float32Array | Int32Array } {
  const info = backend.makeOutput(shape, dtype);
  const values = backend.typedArrayFromHeap(info);
  if (!(values instanceof Float32Array || values instanceof Int32Array)) {
    throw new AppError('ENGINE_KERNEL_MISSING', `No wasm training kernel for dtype ${dtype}.`);
  }
  values.fill(0);
  return { info, values };
}

/**
 * Runs another wasm kernel (e.g. BatchMatMul, Reshape) from inside ours, so heavy math stays in
 * XNNPACK instead of JavaScript loops.
 */
export function runWasmKernel(
  name: string,
  inputs: Record<string, TensorInfo>,
  backend: BackendWasm,
  attrs: NamedAttrMap = {},
): TensorInfo {
  const kernel = getKernel(name, 'wasm');
  if (!kernel) {
    throw new AppError('ENGINE_KERNEL_MISSING', `The wasm backend has no '${name}' kernel.`);
  }
  const out = kernel.kernelFunc({ inputs, backend, attrs });
  if (Array.isArray(out)) {
    throw new AppError('ENGINE_KERNEL_MISSING', `The wasm '${name}' kernel returned several outputs.`);
  }
  return out;
}
