import * as tf from '@tensorflow/tfjs';

export interface TextCnnSpec {
  vocabularySize: number;
  sequenceLength: number;
  embeddingDim: number;
  numClasses: number;
  /** Filters of the one convolution over word windows. */
  filters: number;
  /** Words per window. */
  kernelSize: number;
  dropoutRate: number;
  seed?: number;
}

export const WORD_CNN: Omit<TextCnnSpec, 'vocabularySize' | 'sequenceLength'> = {
  embeddingDim: 128,
  numClasses: 27,
  filters: 128,
  kernelSize: 3,
  dropoutRate: 0.25,
};

/**
 * The stronger neural text model (issue 10): trained word embeddings -> one Conv1D over 3-word
 * windows (relu) -> global max pooling -> Dropout -> Dense(softmax). A product title is a bag of
 * telling phrases ("piscine gonflable", "carte graphique"), which max-pooled n-gram detectors find
 * wherever they sit; unlike the reference LSTM it has no BatchNorm and one light dropout, so it
 * learns from the first epoch. Uncompiled; fit-neural.ts compiles it.
 */
export function buildTextCnn(spec: TextCnnSpec): tf.LayersModel {
  const init = (offset: number) => (spec.seed === undefined ? {} : { seed: spec.seed + offset });
  return tf.sequential({
    name: 'text_cnn',
    layers: [
      tf.layers.embedding({
        inputDim: spec.vocabularySize,
        outputDim: spec.embeddingDim,
        inputLength: spec.sequenceLength,
        embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, ...init(1) }),
      }),
      tf.layers.conv1d({
        filters: spec.filters,
        kernelSize: spec.kernelSize,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform(init(2)),
      }),
      tf.layers.globalMaxPooling1d({}),
      tf.layers.dropout({ rate: spec.dropoutRate }),
      tf.layers.dense({ units: spec.numClasses, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform(init(3)) }),
    ],
  });
}
