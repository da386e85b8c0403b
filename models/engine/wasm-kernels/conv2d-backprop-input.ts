import { Conv2DBackpropInput, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { conv2DInfoOf } from './conv-geometry.js';
import { imagesPerChunk, scatterPatches } from './conv-patches.js';
import { asWasmBackend, float32View, makeZeroedOutput, requireInput, runWasmKernel } from './wasm-heap.js';

/**
 * dx = col2im(dy · W^T), the input gradient of Conv2D. The wasm backend has this kernel, but as a
 * scalar loop (~385 ms per call on the reference CNN's second block); here the product runs in
 * XNNPACK and only the col2im scatter-add is a JavaScript loop.
 */
function conv2DBackpropInput(args: Parameters<KernelFunc>[0]): TensorInfo {
  const backend = asWasmBackend(args.backend);
  const dy = requireInput(args.inputs, 'dy', Conv2DBackpropInput);
  const filter = requireInput(args.inputs, 'filter', Conv2DBackpropInput);
  const attrs = args.attrs ?? {};
  const inputShape = attrs.inputShape as number[];
  const info = conv2DInfoOf(Conv2DBackpropInput, inputShape, filter.shape, attrs);
  const { batchSize, outHeight, outWidth, outChannels } = info;
  const tapSize = info.filterHeight * info.filterWidth * info.inChannels;
  const chunk = imagesPerChunk(info);

  const filterRows = runWasmKernel('Reshape', { x: filter }, backend, { shape: [1, tapSize, outChannels] });
  const result = makeZeroedOutput(backend, inputShape, 'float32');
  for (let n0 = 0; n0 < batchSize; n0 += chunk) {
    const n1 = Math.min(batchSize, n0 + chunk);
    const rows = (n1 - n0) * outHeight * outWidth;
    const dyChunk = runWasmKernel('Slice', { x: dy }, backend, {
      begin: [n0, 0, 0, 0],
      size: [n1 - n0, outHeight, outWidth, outChannels],
    });
    const dyRows = runWasmKernel('Reshape', { x: dyChunk }, backend, { shape: [1, rows, outChannels] });
    const patches = runWasmKernel('BatchMatMul', { a: dyRows, b: filterRows }, backend, {
      transposeA: false,
      transposeB: true,
    });
    scatterPatches(float32View(backend, patches), float32View(backend, result.info), info, n0, n1);
    for (const t of [dyChunk, dyRows, patches]) backend.disposeData(t.dataId);
  }
  backend.disposeData(filterRows.dataId);
  return result.info;
}

export const conv2DBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInput,
};
