import * as tf from '@tensorflow/tfjs';

export interface ImageCnnSpec {
  imageSizePx: number;
  numClasses: number;
  /** Filters of each Conv2D(3x3, relu) + MaxPooling2D(2) block. */
  blockFilters: number[];
  /** Units of the dense layer before the softmax; 0 for none. */
  denseUnits: number;
  dropoutRate: number;
  seed?: number;
}

export const REFERENCE_IMAGE_CNN: ImageCnnSpec = {
  imageSizePx: 64,
  numClasses: 27,
  blockFilters: [32, 64, 128],
  denseUnits: 0,
  dropoutRate: 0,
};

/**
 * The reference image model: blocks of Conv2D(3x3, relu) + MaxPooling2D(2), then an optional
 * Dense(relu) + Dropout, then Dense(softmax). Input is [size, size, 3] scaled to [0, 1]. Uncompiled.
 */
export function buildImageCnn(spec: ImageCnnSpec): tf.LayersModel {
  const init = (offset: number) =>
    tf.initializers.glorotUniform(spec.seed === undefined ? {} : { seed: spec.seed + offset });
  const layers: tf.layers.Layer[] = [];
  spec.blockFilters.forEach((filters, i) => {
    layers.push(
      tf.layers.conv2d({
        ...(i === 0 ? { inputShape: [spec.imageSizePx, spec.imageSizePx, 3] } : {}),
        filters,
        kernelSize: 3,
        activation: 'relu',
        kernelInitializer: init(i),
      }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
    );
  });
  layers.push(tf.layers.flatten());
  if (spec.denseUnits > 0) {
    layers.push(tf.layers.dense({ units: spec.denseUnits, activation: 'relu', kernelInitializer: init(100) }));
    if (spec.dropoutRate > 0) layers.push(tf.layers.dropout({ rate: spec.dropoutRate }));
  }
  layers.push(tf.layers.dense({ units: spec.numClasses, activation: 'softmax', kernelInitializer: init(101) }));
  return tf.sequential({ name: 'image_cnn', layers });
}
