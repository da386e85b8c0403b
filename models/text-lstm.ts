import * as tf from '@tensorflow/tfjs';
import { FusedLstm } from './engine/index.js';

export interface TextLstmSpec {
  vocabularySize: number;
  sequenceLength: number;
  embeddingDim: number;
  numClasses: number;
  /** Units of the two stacked LSTM layers. */
  lstmUnits: [number, number];
  dropoutRate: number;
  seed?: number;
  /**
   * `fused` (default): FusedLstm, one op per layer with a hand-written gradient. `layers`: the
   * tf.layers.lstm cell loop it replaces, kept for the engine bench's before/after and for checks.
   */
  recurrence?: 'fused' | 'layers';
}

export const REFERENCE_TEXT_LSTM: TextLstmSpec = {
  vocabularySize: 10_000,
  sequenceLength: 48,
  embeddingDim: 128,
  numClasses: 27,
  lstmUnits: [128, 64],
  dropoutRate: 0.5,
};

/**
 * The reference text model: Embedding -> LSTM(return sequences) -> Dropout -> LSTM -> Dropout ->
 * BatchNorm -> Dense(128, relu) -> BatchNorm -> Dense(64, relu) -> Dropout -> Dense(softmax).
 * Uncompiled; train.ts compiles it. The LSTM gates use the sigmoid, as Keras does (tfjs defaults to
 * the hard sigmoid); the LSTM layers are FusedLstm (engine/fused-lstm.ts), the same weights as
 * tf.layers.lstm run as one op per layer. Dropout layers get no
 * seed: a seeded tfjs Dropout draws the same mask at every step; training seeds Math.random instead.
 */
export function buildTextLstm(spec: TextLstmSpec): tf.LayersModel {
  const init = (offset: number) => (spec.seed === undefined ? undefined : { seed: spec.seed + offset });
  const [units1, units2] = spec.lstmUnits;
  const glorot = (offset: number) => tf.initializers.glorotUniform(init(offset) ?? {});
  const lstm = (units: number, returnSequences: boolean, offset: number): tf.layers.Layer =>
    spec.recurrence === 'layers'
      ? tf.layers.lstm({
          units,
          returnSequences,
          recurrentActivation: 'sigmoid',
          kernelInitializer: glorot(offset),
          recurrentInitializer: glorot(offset + 1),
        })
      : new FusedLstm({ units, returnSequences, kernelInitializer: glorot(offset), recurrentInitializer: glorot(offset + 1) });
  return tf.sequential({
    name: 'text_lstm',
    layers: [
      tf.layers.embedding({
        inputDim: spec.vocabularySize,
        outputDim: spec.embeddingDim,
        inputLength: spec.sequenceLength,
        embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, ...init(1) }),
      }),
      lstm(units1, true, 2),
      tf.layers.dropout({ rate: spec.dropoutRate }),
      lstm(units2, false, 5),
      tf.layers.dropout({ rate: spec.dropoutRate }),
      tf.layers.batchNormalization(),
      tf.layers.dense({ units: 128, activation: 'relu', kernelInitializer: glorot(8) }),
      tf.layers.batchNormalization(),
      tf.layers.dense({ units: 64, activation: 'relu', kernelInitializer: glorot(9) }),
      tf.layers.dropout({ rate: spec.dropoutRate }),
      tf.layers.dense({ units: spec.numClasses, activation: 'softmax', kernelInitializer: glorot(11) }),
    ],
  });
}
