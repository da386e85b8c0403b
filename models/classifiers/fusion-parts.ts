import { createHash } from 'node:crypto';
import { z } from 'zod';
import { InputError } from '../../core/index.js';
import type { SplitRow } from '../../data/index.js';
import { weightedF1OfProbabilities } from '../evaluation/index.js';
import type { EpochRecord } from '../fit-neural.js';
import { seededRandom } from '../text/seeded-random.js';
import { type Classifier, LABELS, labelIndexOf, type ProductInput } from './classifier.js';
import { bundleFiles } from './late-fusion.js';
import type { Loader, Trainer, TrainerOptions } from './trainer.js';

/**
 * Fusion from trained parts: a calibrated text model and a calibrated image model (their own
 * bundles, kept inside this one) combined by a learned per-class log-linear head:
 *   logit_c = a_c·log pText_c·[text] + b_c·log pImage_c·[image] + bias_c + t_c·[text] + i_c·[image],
 * with its own b_c for photos without a text: 162 numbers, fit on validation products, which neither part trained on (on train products the
 * parts are over-confident, so a head fit there learns to trust whichever part memorised most):
 * half of validation fits it, the other half picks the epoch. It starts at each part alone (text
 * alone when there is a text, the photo's part otherwise) and keeps that start unless an epoch scores a better weighted F1 on the held-out half, so
 * it is never below the text part there. Modality dropout hides one part of 30 % of the products
 * with both in each epoch, so a product with one modality is still answered well. (A dense head
 * over both 27-d log-probability vectors scored below the text part: too many weights for the
 * ~200 validation products with a photo.)
 */

/** Share of products with both modalities that lose one (each equally often) in a training epoch. */
export const PARTS_MODALITY_DROP_RATE = 0.3;
const LOG_FLOOR = 1e-6;
const L2_TO_START = 1e-3;
const classes = LABELS.length;

/** The head's numbers, one per class each. */
const headSchema = z.object({
  textScale: z.array(z.number()).length(LABELS.length),
  imageScale: z.array(z.number()).length(LABELS.length),
  /** The image part's scale for products without a text (imageScale applies next to a text). */
  imageAloneScale: z.array(z.number()).length(LABELS.length),
  bias: z.array(z.number()).length(LABELS.length),
  textBias: z.array(z.number()).length(LABELS.length),
  imageBias: z.array(z.number()).length(LABELS.length),
});
type Head = z.infer<typeof headSchema>;

const textAlone = (): Head => ({
  textScale: new Array(classes).fill(1),
  imageScale: new Array(classes).fill(0),
  imageAloneScale: new Array(classes).fill(1),
  bias: new Array(classes).fill(0),
  textBias: new Array(classes).fill(0),
  imageBias: new Array(classes).fill(0),
});

/** One product's part log-probabilities (undefined where it lacks that modality). */
interface PartLogs {
  text: Float64Array | undefined;
  image: Float64Array | undefined;
}

const logsOf = (p: Float32Array | undefined) =>
  p ? Float64Array.from({ length: classes }, (_, c) => Math.log(Math.max(p[c] ?? 0, LOG_FLOOR))) : undefined;

/** Class probabilities of one product under a head. */
function headProbabilities(head: Head, logs: PartLogs): Float32Array {
  const z = new Float64Array(classes);
  let max = Number.NEGATIVE_INFINITY;
  for (let c = 0; c < classes; c++) {
    let v = head.bias[c] ?? 0;
    if (logs.text) v += (head.textScale[c] ?? 0) * (logs.text[c] ?? 0) + (head.textBias[c] ?? 0);
    const imageScale = logs.text ? head.imageScale : head.imageAloneScale;
    if (logs.image) v += (imageScale[c] ?? 0) * (logs.image[c] ?? 0) + (head.imageBias[c] ?? 0);
    z[c] = v;
    max = Math.max(max, v);
  }
  let sum = 0;
  for (let c = 0; c < classes; c++) {
    z[c] = Math.exp((z[c] ?? 0) - max);
    sum += z[c] ?? 0;
  }
  return Float32Array.from(z, (v) => v / sum);
}

/** Both parts' log-probabilities of each product. */
async function partLogs(text: Classifier, image: Classifier, products: readonly ProductInput[]): Promise<PartLogs[]> {
  const withText = products.flatMap((p, i) => (p.text ? [i] : []));
  const withImage = products.flatMap((p, i) => (p.image != null ? [i] : []));
  const textProbs = await text.predictProba(withText.map((i) => products[i] ?? {}));
  const imageProbs = await image.predictProba(withImage.map((i) => products[i] ?? {}));
  const out: PartLogs[] = products.map(() => ({ text: undefined, image: undefined }));
  withText.forEach((i, k) => {
    const row = out[i];
    if (row) row.text = logsOf(textProbs[k]);
  });
  withImage.forEach((i, k) => {
    const row = out[i];
    if (row) row.image = logsOf(imageProbs[k]);
  });
  return out;
}

const headF1 = (head: Head, rows: readonly PartLogs[], labels: Int32Array) =>
  weightedF1OfProbabilities(
    rows.map((r) => headProbabilities(head, r)),
    labels,
  );

/**
 * Full-batch Adam on the cross-entropy (+ a small L2 pull back to the start), one pass per epoch
 * with fresh modality dropout; keeps the epoch (or the start) with the best held-out weighted F1.
 */
function fitHead(
  fit: { rows: PartLogs[]; labels: Int32Array },
  stop: { rows: PartLogs[]; labels: Int32Array },
  options: { epochs: number; learningRate: number; patience: number; seed: number; onProgress?: TrainerOptions['onProgress'] },
): { head: Head; history: EpochRecord[] } {
  const random = seededRandom(options.seed + 3);
  const start = textAlone();
  const keys = ['textScale', 'imageScale', 'imageAloneScale', 'bias', 'textBias', 'imageBias'] as const;
  const head = textAlone();
  const m = Object.fromEntries(keys.map((k) => [k, new Float64Array(classes)])) as Record<(typeof keys)[number], Float64Array>;
  const v = Object.fromEntries(keys.map((k) => [k, new Float64Array(classes)])) as Record<(typeof keys)[number], Float64Array>;
  let best = { head: textAlone(), f1: headF1(start, stop.rows, stop.labels), epoch: -1 };
  const history: EpochRecord[] = [];
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const started = performance.now();
    const grad = Object.fromEntries(keys.map((k) => [k, new Float64Array(classes)])) as Record<(typeof keys)[number], Float64Array>;
    let loss = 0;
    fit.rows.forEach((full, n) => {
      let row = full;
      if (full.text && full.image && random() < PARTS_MODALITY_DROP_RATE) {
        row = random() < 0.5 ? { text: undefined, image: full.image } : { text: full.text, image: undefined };
      }
      const p = headProbabilities(head, row);
      const label = fit.labels[n] ?? 0;
      loss -= Math.log(Math.max(p[label] ?? 0, 1e-12));
      for (let c = 0; c < classes; c++) {
        const d = ((p[c] ?? 0) - (c === label ? 1 : 0)) / fit.rows.length;
        grad.bias[c] = (grad.bias[c] ?? 0) + d;
        if (row.text) {
          grad.textScale[c] = (grad.textScale[c] ?? 0) + d * (row.text[c] ?? 0);
          grad.textBias[c] = (grad.textBias[c] ?? 0) + d;
        }
        if (row.image) {
          const scaleGrad = row.text ? grad.imageScale : grad.imageAloneScale;
          scaleGrad[c] = (scaleGrad[c] ?? 0) + d * (row.image[c] ?? 0);
          grad.imageBias[c] = (grad.imageBias[c] ?? 0) + d;
        }
      }
    });
    const step = epoch + 1;
    for (const k of keys) {
      for (let c = 0; c < classes; c++) {
        const g = (grad[k][c] ?? 0) + L2_TO_START * ((head[k][c] ?? 0) - (start[k][c] ?? 0));
        m[k][c] = 0.9 * (m[k][c] ?? 0) + 0.1 * g;
        v[k][c] = 0.999 * (v[k][c] ?? 0) + 0.001 * g * g;
        const mHat = (m[k][c] ?? 0) / (1 - 0.9 ** step);
        const vHat = (v[k][c] ?? 0) / (1 - 0.999 ** step);
        head[k][c] = (head[k][c] ?? 0) - (options.learningRate * mHat) / (Math.sqrt(vHat) + 1e-8);
      }
    }
    const f1 = headF1(head, stop.rows, stop.labels);
    history.push({ epoch, loss: loss / Math.max(1, fit.rows.length), validationWeightedF1: f1, seconds: (performance.now() - started) / 1000 });
    options.onProgress?.({ stage: 'fusion head', done: epoch + 1, total: options.epochs, detail: `held-out F1 ${f1.toFixed(4)}` });
    if (f1 > best.f1) best = { head: structuredClone(head), f1, epoch };
    if (epoch - best.epoch >= options.patience) break;
  }
  return { head: best.head, history };
}

function partsFusionClassifier(text: Classifier, image: Classifier, head: Head): Classifier {
  return {
    kind: 'fusion',
    modalities: ['text', 'image'],
    labels: LABELS,
    predictProba: async (products) => (await partLogs(text, image, products)).map((logs) => headProbabilities(head, logs)),
    dispose: () => {
      text.dispose();
      image.dispose();
    },
  };
}

/** Half of validation by a seeded hash of productid: 'fit' or 'stop'. */
function halfOf(row: SplitRow, seed: number): 'fit' | 'stop' {
  const byte = createHash('sha256').update(`${seed}:fusion:${row.productid}`).digest()[0] ?? 0;
  return byte < 128 ? 'fit' : 'stop';
}

export async function trainPartsFusion(data: Parameters<Trainer>[0], options: TrainerOptions): ReturnType<Trainer> {
  const { text: textDir, image: imageDir } = options.componentBundles ?? {};
  if (!textDir || !imageDir || !options.loadComponent) {
    throw new InputError('CONFIG_INVALID', 'fusion needs a trained text bundle and image bundle.', {
      hint: 'Pass --text-bundle <dir> and --image-bundle <dir>, or let `train --model fusion` train the default parts first.',
    });
  }
  const text = await options.loadComponent(textDir);
  const image = await options.loadComponent(imageDir);
  try {
    const rows = data.validation.filter((r) => Boolean(r.text) || r.imagePath !== null);
    if (rows.length === 0) {
      throw new InputError('DATA_NOTHING_TO_DO', 'No validation product has a text or an image to fit the fusion head on.');
    }
    const logs = await partLogs(
      text,
      image,
      rows.map((r) => ({ text: r.text, image: r.imagePath })),
    );
    const half = (which: 'fit' | 'stop') => {
      const picked = rows.flatMap((r, i) => (halfOf(r, options.seed) === which ? [i] : []));
      return {
        rows: picked.map((i) => logs[i] ?? { text: undefined, image: undefined }),
        labels: Int32Array.from(picked, (i) => labelIndexOf(rows[i]?.label ?? LABELS[0] ?? 0)),
      };
    };
    const fitHalf = half('fit');
    const stopHalf = half('stop');
    const { head, history } = fitHead(fitHalf, stopHalf, {
      epochs: options.epochs,
      learningRate: options.learningRate,
      patience: options.patience,
      seed: options.seed,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    return {
      classifier: partsFusionClassifier(text, image, head),
      files: {
        'head.json': JSON.stringify(head),
        ...(await bundleFiles(textDir, 'text')),
        ...(await bundleFiles(imageDir, 'image')),
      },
      settings: {
        arch: 'parts',
        fitProducts: fitHalf.rows.length,
        stopProducts: stopHalf.rows.length,
        bothModalities: rows.filter((r) => r.text && r.imagePath).length,
      },
      history,
    };
  } catch (error: unknown) {
    text.dispose();
    image.dispose();
    throw error;
  }
}

export const loadPartsFusion: Loader = async (bundle) => {
  const parsed = headSchema.safeParse(JSON.parse((await bundle.read('head.json')).toString()));
  if (!parsed.success) {
    throw new InputError('BUNDLE_CORRUPT', `The fusion bundle in ${bundle.dir} has an invalid head.json.`, { cause: parsed.error });
  }
  const text = await bundle.openComponent('text');
  const image = await bundle.openComponent('image');
  return partsFusionClassifier(text, image, parsed.data);
};
