import { backend_util } from '@tensorflow/tfjs-core';
import type { NamedAttrMap } from '@tensorflow/tfjs-core';
import { AppError } from '../../../core/index.js';

type Shape4D = [number, number, number, number];

/** The Conv2DInfo of a gradient kernel call, for NHWC tensors (the only layout Keras layers use here). */
export function conv2DInfoOf(kernelName: string, inputShape: number[], filterShape: number[], attrs: NamedAttrMap) {
  if (attrs.dataFormat !== 'NHWC') {
    throw new AppError('ENGINE_KERNEL_MISSING', `${kernelName} on wasm supports NHWC only, got ${String(attrs.dataFormat)}.`);
  }
  const strides = attrs.strides as [number, number] | number;
  const pad = attrs.pad as backend_util.ExplicitPadding | 'valid' | 'same' | number;
  const rounding = attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined;
  return backend_util.computeConv2DInfo(
    inputShape as Shape4D,
    filterShape as Shape4D,
    strides,
    1,
    pad,
    rounding,
    false,
    'channelsLast',
  );
}
