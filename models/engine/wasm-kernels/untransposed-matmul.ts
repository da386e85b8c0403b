import {
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { asWasmBackend, requireInput, runWasmKernel } from './wasm-heap.js';

/**
 * The wasm BatchMatMul/_FusedMatMul kernels reach XNNPACK only when neither operand is transposed;
 * with transposeA or transposeB they fall back to a scalar loop 10-40x slower (measured: a
 * 3072x576x64 product takes 8.6 ms untransposed, 370 ms with transposeA). Backprop of every Dense
 * and LSTM layer asks for exactly those transposes, so these wrappers transpose the operand
 * explicitly (the wasm Transpose kernel is memory-bound, ~0.1 ms at these sizes) and call the
 * original kernel untransposed.
 */
function transposeLastTwo(backend: BackendWasm, x: TensorInfo): TensorInfo {
  const rank = x.shape.length;
  const perm = [...Array(rank).keys()];
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return runWasmKernel('Transpose', { x }, backend, { perm });
}

function wrapUntransposed(original: KernelConfig): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const backend = asWasmBackend(args.backend);
    const attrs: NamedAttrMap = args.attrs ?? {};
    if (attrs.transposeA !== true && attrs.transposeB !== true) return original.kernelFunc(args);
    const temporaries: TensorInfo[] = [];
    const inputs = { ...args.inputs };
    if (attrs.transposeA === true) {
      const a = transposeLastTwo(backend, requireInput(args.inputs, 'a', original.kernelName));
      temporaries.push(a);
      inputs.a = a;
    }
    if (attrs.transposeB === true) {
      const b = transposeLastTwo(backend, requireInput(args.inputs, 'b', original.kernelName));
      temporaries.push(b);
      inputs.b = b;
    }
    try {
      return original.kernelFunc({ inputs, backend, attrs: { ...attrs, transposeA: false, transposeB: false } });
    } finally {
      for (const t of temporaries) backend.disposeData(t.dataId);
    }
  };
  return { ...original, kernelFunc };
}

/** The faster matmul of a wasm matmul kernel (BatchMatMul or _FusedMatMul). */
export function untransposedMatMulConfig(original: KernelConfig): KernelConfig {
  return wrapUntransposed(original);
}
