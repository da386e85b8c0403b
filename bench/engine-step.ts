/**
 * One engine measurement in its own process (so peak RSS belongs to one configuration):
 *   node --import tsx bench/engine-step.ts <wasm|cpu|tensorflow|auto> <lstm|lstm-layers|cnn|fusion> <steps> [threads]
 * Prints one JSON line with the median seconds per training step (wall clock) and the median CPU
 * seconds of this process per step (steadier than wall time on a busy machine, for one thread).
 * `lstm` is the reference LSTM on FusedLstm (models/engine/fused-lstm.ts); `lstm-layers` the same
 * model on the tf.layers.lstm cell loop it replaced (the before of the fused-LSTM measurement).
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendChoice } from '../core/index.js';
import { useBackend } from '../models/engine/index.js';
import { buildFusionModel, REFERENCE_FUSION_MODEL } from '../models/fusion-model.js';
import { buildImageCnn, REFERENCE_IMAGE_CNN } from '../models/image-cnn.js';
import { buildTextCnn, WORD_CNN } from '../models/text-cnn.js';
import { buildTextLstm, REFERENCE_TEXT_LSTM } from '../models/text-lstm.js';

const [backendArg = 'wasm', modelArg = 'lstm', stepsArg = '5', threadsArg] = process.argv.slice(2);
const engine = await useBackend({
  preference: backendArg as BackendChoice,
  threads: threadsArg === undefined ? undefined : Number(threadsArg),
});

function batchFor(model: string): { model: tf.LayersModel; x: tf.Tensor | tf.Tensor[]; y: tf.Tensor; batch: number } {
  if (model === 'fusion') {
    // The joint model on both modalities: word ids, a 64x64 photo and the presence flags.
    const spec = { ...REFERENCE_FUSION_MODEL, seed: 1 };
    const batch = 32;
    return {
      model: buildFusionModel(spec),
      x: [
        tf.randomUniform([batch, spec.sequenceLength], 0, spec.vocabularySize, 'int32', 2),
        tf.randomUniform([batch, spec.imageSizePx, spec.imageSizePx, 3], 0, 1, 'float32', 4),
        tf.ones([batch, 2]),
      ],
      y: tf.oneHot(tf.randomUniform([batch], 0, spec.numClasses, 'int32', 3), spec.numClasses),
      batch,
    };
  }
  if (model === 'lstm' || model === 'lstm-layers') {
    const spec = { ...REFERENCE_TEXT_LSTM, seed: 1, recurrence: model === 'lstm' ? ('fused' as const) : ('layers' as const) };
    const batch = 64;
    return {
      model: buildTextLstm(spec),
      x: tf.randomUniform([batch, spec.sequenceLength], 0, spec.vocabularySize, 'int32', 2),
      y: tf.oneHot(tf.randomUniform([batch], 0, spec.numClasses, 'int32', 3), spec.numClasses),
      batch,
    };
  }
  if (model === 'word-cnn') {
    const spec = { ...WORD_CNN, vocabularySize: 30_000, sequenceLength: 32, seed: 1 };
    const batch = 128;
    return {
      model: buildTextCnn(spec),
      x: tf.randomUniform([batch, spec.sequenceLength], 0, spec.vocabularySize, 'int32', 2),
      y: tf.oneHot(tf.randomUniform([batch], 0, spec.numClasses, 'int32', 3), spec.numClasses),
      batch,
    };
  }
  const spec = { ...REFERENCE_IMAGE_CNN, seed: 1 };
  const batch = 32;
  return {
    model: buildImageCnn(spec),
    x: tf.randomUniform([batch, spec.imageSizePx, spec.imageSizePx, 3], 0, 1, 'float32', 2),
    y: tf.oneHot(tf.randomUniform([batch], 0, spec.numClasses, 'int32', 3), spec.numClasses),
    batch,
  };
}

const { model, x, y, batch } = batchFor(modelArg);
model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
const steps = Number(stepsArg);
// The first step builds the gradient graph and packs weights; it is reported apart.
let started = performance.now();
await model.trainOnBatch(x, y);
const firstStepSeconds = (performance.now() - started) / 1000;
const seconds: number[] = [];
const cpuSeconds: number[] = [];
for (let i = 0; i < steps; i++) {
  started = performance.now();
  const cpuStarted = process.cpuUsage();
  await model.trainOnBatch(x, y);
  seconds.push((performance.now() - started) / 1000);
  const cpu = process.cpuUsage(cpuStarted);
  cpuSeconds.push((cpu.user + cpu.system) / 1e6);
}
const medianOf = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? firstStepSeconds;
};
const median = medianOf(seconds);
process.stdout.write(
  `${JSON.stringify({
    backend: engine.backend,
    threads: engine.threads,
    simd: engine.simd,
    model: modelArg,
    batch,
    steps: seconds.length,
    secondsPerStep: median,
    cpuSecondsPerStep: medianOf(cpuSeconds),
    firstStepSeconds,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  })}\n`,
);
