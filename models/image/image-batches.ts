import * as tf from '@tensorflow/tfjs';
import { loadPixels } from './pixels.js';

/** An image as a classifier receives it: a file path or the file's bytes. */
export type ImageSource = string | Uint8Array;

/**
 * Decodes images into one HWC float batch, `sizePx * sizePx * 3` values per image, back to back.
 * A null source stays all zeros: the fusion model reads that, plus its presence flag, as "no photo".
 */
export async function stackImages(
  sources: readonly (ImageSource | null)[],
  sizePx: number,
  load: (source: ImageSource, sizePx: number) => Promise<Float32Array> = loadPixels,
): Promise<Float32Array> {
  const pixels = sizePx * sizePx * 3;
  const batch = new Float32Array(sources.length * pixels);
  const decoded = await Promise.all(sources.map((s) => (s === null ? null : load(s, sizePx))));
  decoded.forEach((image, i) => {
    if (image !== null) batch.set(image, i * pixels);
  });
  return batch;
}

/** One-hot float32 targets of the given rows, [rows, numClasses]. */
export function oneHotTargets(labels: Int32Array, rows: Int32Array, numClasses: number): tf.Tensor2D {
  const values = new Float32Array(rows.length * numClasses);
  rows.forEach((row, i) => {
    values[i * numClasses + (labels[row] ?? 0)] = 1;
  });
  return tf.tensor2d(values, [rows.length, numClasses]);
}

/** The rows of a probability matrix as separate arrays. */
export function splitRows(values: Float32Array, rowCount: number, numClasses: number): Float32Array[] {
  return Array.from({ length: rowCount }, (_, i) => values.slice(i * numClasses, (i + 1) * numClasses));
}

/**
 * Class probabilities of many inputs, a batch at a time: `predictBatch` turns a batch of the
 * non-null inputs into a [batch, numClasses] tensor (disposed here); a null input (nothing the
 * model can read) keeps the uniform row. The image and fusion classifiers share this loop.
 */
export async function predictInBatches<T>(
  inputs: readonly (T | null)[],
  options: { batchSize: number; numClasses: number; predictBatch: (batch: T[]) => Promise<tf.Tensor2D> },
): Promise<Float32Array[]> {
  const { batchSize, numClasses } = options;
  const out = inputs.map(() => uniformRow(numClasses));
  const known = inputs.flatMap((input, i) => (input === null ? [] : [{ i, input }]));
  for (let start = 0; start < known.length; start += batchSize) {
    const chunk = known.slice(start, start + batchSize);
    const probabilities = await options.predictBatch(chunk.map((c) => c.input));
    try {
      const rows = splitRows(await probabilities.data<'float32'>(), chunk.length, numClasses);
      chunk.forEach((c, k) => {
        out[c.i] = rows[k] ?? uniformRow(numClasses);
      });
    } finally {
      probabilities.dispose();
    }
  }
  return out;
}

/** A uniform distribution: the answer for a product a model has nothing to read from. */
export function uniformRow(numClasses: number): Float32Array {
  return new Float32Array(numClasses).fill(1 / numClasses);
}
