import { GatherV2, type KernelConfig, type KernelFunc, type TensorInfo, Unpack, util } from '@tensorflow/tfjs-core';
import { asWasmBackend, requireInput } from './wasm-heap.js';

/**
 * Two kernels that only move rows, which wasm runs as one Slice or one strided C++ gather per
 * element. As typed-array row copies they cost a memcpy: an LSTM over 48 steps unstacks its input
 * (Unpack) and an Embedding gathers its rows (GatherV2) every step, ~45 ms of a ~400 ms step.
 */

/** Unpack along `axis`: output i is x[..., i, ...], copied as contiguous inner rows. */
function unpack(args: Parameters<KernelFunc>[0]): TensorInfo[] {
  const backend = asWasmBackend(args.backend);
  const value = requireInput(args.inputs, 'value', Unpack);
  const rank = value.shape.length;
  const axis = (((args.attrs?.axis as number | undefined) ?? 0) + rank) % rank;
  const count = value.shape[axis] ?? 0;
  const outer = util.sizeFromShape(value.shape.slice(0, axis));
  const inner = util.sizeFromShape(value.shape.slice(axis + 1));
  const outShape = value.shape.filter((_, i) => i !== axis);
  const outs = Array.from({ length: count }, () => backend.makeOutput(outShape, value.dtype));
  // Views only after the last allocation: allocating may grow (and detach) the heap.
  const x = backend.typedArrayFromHeap(value);
  for (let i = 0; i < count; i++) {
    const out = backend.typedArrayFromHeap(outs[i] as TensorInfo);
    for (let o = 0; o < outer; o++) {
      const from = (o * count + i) * inner;
      out.set(x.subarray(from, from + inner), o * inner);
    }
  }
  return outs;
}

/** Gather of whole rows (axis 0, no batch dims), the Embedding lookup; other forms go to wasm's kernel. */
function makeGatherRows(original: KernelConfig): KernelFunc {
  return (args) => {
    const attrs = args.attrs ?? {};
    const x = requireInput(args.inputs, 'x', GatherV2);
    const indices = requireInput(args.inputs, 'indices', GatherV2);
    const axis = util.parseAxisParam(attrs.axis as number, x.shape)[0];
    if (axis !== 0 || (attrs.batchDims ?? 0) !== 0 || x.dtype === 'string' || x.dtype === 'complex64') {
      return original.kernelFunc(args);
    }
    const backend = asWasmBackend(args.backend);
    const rows = x.shape[0] ?? 0;
    // An index out of range: wasm's kernel raises the error tfjs users know.
    if (backend.typedArrayFromHeap(indices).some((row) => row < 0 || row >= rows)) return original.kernelFunc(args);
    const rowSize = util.sizeFromShape(x.shape.slice(1));
    const out = backend.makeOutput([...indices.shape, ...x.shape.slice(1)], x.dtype);
    const ids = backend.typedArrayFromHeap(indices);
    const values = backend.typedArrayFromHeap(x);
    const target = backend.typedArrayFromHeap(out);
    for (let i = 0; i < ids.length; i++) {
      const row = ids[i] ?? 0;
      target.set(values.subarray(row * rowSize, (row + 1) * rowSize), i * rowSize);
    }
    return out;
  };
}

export const unpackConfig: KernelConfig = { kernelName: Unpack, backendName: 'wasm', kernelFunc: unpack as KernelFunc };

export function gatherRowsConfig(original: KernelConfig): KernelConfig {
  return { ...original, kernelFunc: makeGatherRows(original) };
}
