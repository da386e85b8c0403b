import * as tf from '@tensorflow/tfjs';
import { FusedLstm } from './engine/index.js';

/** Input sizes and layer sizes of the joint text + image model. */
export interface FusionModelSpec {
  vocabularySize: number;
  sequenceLength: number;
  embeddingDim: number;
  /** Units of the two stacked LSTM layers of the text trunk. */
  lstmUnits: [number, number];
  imageSizePx: number;
  /** Filters of each Conv2D(3x3, relu) + MaxPooling2D(2) block of the image trunk. */
  blockFilters: number[];
  /** Units of the Dense(relu) that ends the image trunk. */
  imageDenseUnits: number;
  /** Units of the Dense(relu) of the joint head. */
  headUnits: number;
  dropoutRate: number;
  numClasses: number;
  seed?: number;
}

/** The text trunk of REFERENCE_TEXT_LSTM, the image blocks of REFERENCE_IMAGE_CNN, a Dense(128) head. */
export const REFERENCE_FUSION_MODEL: FusionModelSpec = {
  vocabularySize: 10_000,
  sequenceLength: 48,
  embeddingDim: 128,
  lstmUnits: [128, 64],
  imageSizePx: 64,
  blockFilters: [32, 64, 128],
  imageDenseUnits: 128,
  headUnits: 128,
  dropoutRate: 0.3,
  numClasses: 27,
};

/**
 * The reference joint model. Inputs: word ids [sequenceLength] (int32), an image
 * [size, size, 3] in [0, 1], and presence flags [hasText, hasImage]. Text trunk: Embedding ->
 * LSTM(return sequences) -> Dropout -> LSTM (as text-lstm.ts, without its head). Image trunk: conv
 * blocks -> Flatten -> Dense(relu). The trunks and the flags are concatenated into
 * Dense(relu) -> Dropout -> Dense(softmax). A missing modality is fed as zeros with its flag at 0;
 * the flags let the head learn each single-modality case instead of reading zeros as evidence.
 * Uncompiled. Dropout layers get no seed (see text-lstm.ts): training seeds Math.random instead.
 */
export function buildFusionModel(spec: FusionModelSpec): tf.LayersModel {
  const glorot = (offset: number) =>
    tf.initializers.glorotUniform(spec.seed === undefined ? {} : { seed: spec.seed + offset });
  const [units1, units2] = spec.lstmUnits;
  const tokens = tf.input({ name: 'tokens', shape: [spec.sequenceLength], dtype: 'int32' });
  const image = tf.input({ name: 'image', shape: [spec.imageSizePx, spec.imageSizePx, 3] });
  const presence = tf.input({ name: 'presence', shape: [2] });

  const embedded = tf.layers
    .embedding({
      inputDim: spec.vocabularySize,
      outputDim: spec.embeddingDim,
      inputLength: spec.sequenceLength,
      embeddingsInitializer: tf.initializers.randomUniform({
        minval: -0.05,
        maxval: 0.05,
        ...(spec.seed === undefined ? {} : { seed: spec.seed + 1 }),
      }),
    })
    .apply(tokens);
  // FusedLstm: the layers LSTM's weights run as one op per layer (engine/fused-lstm.ts).
  const sequence = new FusedLstm({ units: units1, returnSequences: true, kernelInitializer: glorot(2), recurrentInitializer: glorot(3) }).apply(
    embedded,
  );
  const dropped = tf.layers.dropout({ rate: spec.dropoutRate }).apply(sequence);
  const textFeatures = new FusedLstm({ units: units2, kernelInitializer: glorot(5), recurrentInitializer: glorot(6) }).apply(
    dropped,
  ) as tf.SymbolicTensor;

  let pixels = image as tf.SymbolicTensor;
  spec.blockFilters.forEach((filters, i) => {
    const conv = tf.layers
      .conv2d({ filters, kernelSize: 3, activation: 'relu', kernelInitializer: glorot(20 + i) })
      .apply(pixels);
    pixels = tf.layers.maxPooling2d({ poolSize: 2 }).apply(conv) as tf.SymbolicTensor;
  });
  const flat = tf.layers.flatten().apply(pixels);
  const imageFeatures = tf.layers
    .dense({ units: spec.imageDenseUnits, activation: 'relu', kernelInitializer: glorot(40) })
    .apply(flat) as tf.SymbolicTensor;

  const joined = tf.layers.concatenate().apply([textFeatures, imageFeatures, presence]);
  const hidden = tf.layers
    .dense({ units: spec.headUnits, activation: 'relu', kernelInitializer: glorot(50) })
    .apply(joined);
  const headDropped = tf.layers.dropout({ rate: spec.dropoutRate }).apply(hidden);
  const output = tf.layers
    .dense({ units: spec.numClasses, activation: 'softmax', kernelInitializer: glorot(51) })
    .apply(headDropped) as tf.SymbolicTensor;
  return tf.model({ name: 'fusion', inputs: [tokens, image, presence], outputs: output });
}
