import {
  type KernelConfig,
  type KernelFunc,
  UnsortedSegmentSum,
  type UnsortedSegmentSumAttrs,
  util,
} from '@tensorflow/tfjs-core';
import { asWasmBackend, makeZeroedOutput, requireInput } from './wasm-heap.js';

/**
 * out[s, ...] = sum of x[i, ...] over every i with segmentIds[i] == s.
 * This is the gradient of Gather, hence of every Embedding layer. A single pass that adds each
 * input row into its segment's row, straight on the wasm heap: O(size of x), no copies.
 */
function unsortedSegmentSum(args: Parameters<KernelFunc>[0]) {
  const backend = asWasmBackend(args.backend);
  const x = requireInput(args.inputs, 'x', UnsortedSegmentSum);
  const segmentIds = requireInput(args.inputs, 'segmentIds', UnsortedSegmentSum);
  const { numSegments } = args.attrs as unknown as UnsortedSegmentSumAttrs;
  const innerShape = x.shape.slice(segmentIds.shape.length);
  const rowSize = util.sizeFromShape(innerShape);
  // Allocate first: allocation may grow the heap, which detaches views taken before it.
  const out = makeZeroedOutput(backend, [numSegments, ...innerShape], x.dtype);
  const xValues = backend.typedArrayFromHeap(x);
  const ids = backend.typedArrayFromHeap(segmentIds);
  const outValues = out.values;
  for (let i = 0; i < ids.length; i++) {
    const segment = ids[i] ?? -1;
    // TensorFlow drops ids outside [0, numSegments); so do we.
    if (segment < 0 || segment >= numSegments) continue;
    const outBase = segment * rowSize;
    const xBase = i * rowSize;
    for (let j = 0; j < rowSize; j++) {
      outValues[outBase + j] = (outValues[outBase + j] ?? 0) + (xValues[xBase + j] ?? 0);
    }
  }
  return out.info;
}

export const unsortedSegmentSumConfig: KernelConfig = {
  kernelName: UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSum,
};
