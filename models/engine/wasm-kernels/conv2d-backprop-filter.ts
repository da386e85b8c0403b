import { Conv2DBackpropFilter, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { conv2DInfoOf } from './conv-geometry.js';
import { gatherPatches, imagesPerChunk } from './conv-patches.js';
import { asWasmBackend, float32View, makeZeroedOutput, requireInput, runWasmKernel } from './wasm-heap.js';

/**
 * dW = im2col(x)^T · dy, the filter gradient of Conv2D. The patch matrix is built with typed-array
 * copies on the wasm heap and the product runs in the wasm BatchMatMul kernel (XNNPACK), batch
 * chunk by batch chunk so memory stays bounded.
 */
function conv2DBackpropFilter(args: Parameters<KernelFunc>[0]): TensorInfo {
  const backend = asWasmBackend(args.backend);
  const x = requireInput(args.inputs, 'x', Conv2DBackpropFilter);
  const dy = requireInput(args.inputs, 'dy', Conv2DBackpropFilter);
  const attrs = args.attrs ?? {};
  const filterShape = attrs.filterShape as number[];
  const info = conv2DInfoOf(Conv2DBackpropFilter, x.shape, filterShape, attrs);
  const { batchSize, outHeight, outWidth, outChannels } = info;
  const tapSize = info.filterHeight * info.filterWidth * info.inChannels;
  const chunk = imagesPerChunk(info);

  const result = makeZeroedOutput(backend, filterShape, 'float32');
  for (let n0 = 0; n0 < batchSize; n0 += chunk) {
    const n1 = Math.min(batchSize, n0 + chunk);
    const rows = (n1 - n0) * outHeight * outWidth;
    const patches = makeZeroedOutput(backend, [1, rows, tapSize], 'float32');
    // Views are taken after every allocation: growing the heap detaches older views.
    gatherPatches(float32View(backend, x), float32View(backend, patches.info), info, n0, n1);
    const dyChunk = runWasmKernel('Slice', { x: dy }, backend, {
      begin: [n0, 0, 0, 0],
      size: [n1 - n0, outHeight, outWidth, outChannels],
    });
    const dyRows = runWasmKernel('Reshape', { x: dyChunk }, backend, { shape: [1, rows, outChannels] });
    const product = runWasmKernel('BatchMatMul', { a: patches.info, b: dyRows }, backend, {
      transposeA: true,
      transposeB: false,
    });
    const productValues = float32View(backend, product);
    const resultValues = float32View(backend, result.info);
    for (let i = 0; i < productValues.length; i++) {
      resultValues[i] = (resultValues[i] ?? 0) + (productValues[i] ?? 0);
    }
    for (const t of [patches.info, dyChunk, dyRows, product]) backend.disposeData(t.dataId);
  }
  return result.info;
}

export const conv2DBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter,
};
