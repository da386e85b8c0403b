import { CATEGORIES } from '../../data/index.js';

export type Modality = 'text' | 'image';

export const MODEL_KINDS = ['tfidf', 'tfidf-char', 'fasttext', 'text-svm', 'lstm', 'word-cnn', 'cnn', 'fusion', 'late-fusion', 'image-transfer'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

/** One product as a seller sends it; any non-empty subset of text and image. */
export interface ProductInput {
  /** Cleaned title + description (see data/clean-text.ts). */
  text?: string | null;
  /** An image file path or its bytes. */
  image?: string | Uint8Array | null;
}

/** A trained model that turns products into class probabilities. */
export interface Classifier {
  readonly kind: ModelKind;
  /** What it reads; a product that has none of these cannot be predicted by it. */
  readonly modalities: readonly Modality[];
  /** prdtypecode of each output column. */
  readonly labels: readonly number[];
  /** Calibrated class probabilities, one row per product. */
  predictProba(products: readonly ProductInput[]): Promise<Float32Array[]>;
  dispose(): void;
}

/** The 27 prdtypecodes in a fixed order: column i of every model's output is LABELS[i]. */
export const LABELS: readonly number[] = CATEGORIES.map((c) => c.code);

const LABEL_INDEX = new Map(LABELS.map((code, i) => [code, i]));

export function labelIndexOf(code: number): number {
  const index = LABEL_INDEX.get(code);
  if (index === undefined) throw new Error(`prdtypecode ${code} is not one of the 27 classes`);
  return index;
}

/** Inverse-frequency class weights, normalised to mean 1 over the samples (Keras' "balanced"). */
export function balancedClassWeights(labels: ArrayLike<number>, numClasses: number): Float32Array {
  const counts = new Float32Array(numClasses);
  for (let i = 0; i < labels.length; i++) counts[labels[i] ?? 0] = (counts[labels[i] ?? 0] ?? 0) + 1;
  const present = counts.filter((c) => c > 0).length;
  return counts.map((c) => (c > 0 ? labels.length / (present * c) : 0));
}

/** Rescales probabilities by a temperature: softmax(log p / T). T > 1 softens over-confidence. */
export function applyTemperatureInPlace(probabilities: Float32Array, temperature: number): Float32Array {
  if (temperature === 1) return probabilities;
  let max = Number.NEGATIVE_INFINITY;
  for (let c = 0; c < probabilities.length; c++) {
    const v = Math.log(Math.max(probabilities[c] ?? 0, 1e-12)) / temperature;
    probabilities[c] = v;
    max = Math.max(max, v);
  }
  let sum = 0;
  for (let c = 0; c < probabilities.length; c++) {
    const e = Math.exp((probabilities[c] ?? 0) - max);
    probabilities[c] = e;
    sum += e;
  }
  for (let c = 0; c < probabilities.length; c++) probabilities[c] = (probabilities[c] ?? 0) / sum;
  return probabilities;
}
