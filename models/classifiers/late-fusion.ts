import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../../core/index.js';
import { MANIFEST_FILE, readManifest } from '../bundle.js';
import { combineLateFusion, fitLateFusionWeight, weightedF1OfProbabilities } from '../evaluation/index.js';
import { type Classifier, LABELS, labelIndexOf, type ProductInput } from './classifier.js';
import type { Loader, Trainer } from './trainer.js';

/**
 * Late fusion: a text model and an image model, each already calibrated, combined as a weighted
 * geometric mean p ∝ pText^w · pImage^(1-w), w fit on validation products that have both. A
 * product with one modality gets that model's answer. The component bundles live inside this one
 * (`text/`, `image/`), so it is shipped and verified as one piece.
 */
function lateFusionClassifier(text: Classifier, image: Classifier, weight: number): Classifier {
  return {
    kind: 'late-fusion',
    modalities: ['text', 'image'],
    labels: LABELS,
    predictProba: async (products: readonly ProductInput[]) => {
      const hasText = products.map((p) => Boolean(p.text));
      const hasImage = products.map((p) => p.image != null);
      const textProbs = await text.predictProba(products.filter((_, i) => hasText[i]));
      const imageProbs = await image.predictProba(products.filter((_, i) => hasImage[i]));
      let t = 0;
      let m = 0;
      return products.map((_, i) => {
        const pt = hasText[i] ? textProbs[t++] : undefined;
        const pi = hasImage[i] ? imageProbs[m++] : undefined;
        if (pt && pi) return Float32Array.from(combineLateFusion([Array.from(pt)], [Array.from(pi)], weight)[0] ?? []);
        return pt ?? pi ?? new Float32Array(LABELS.length).fill(1 / LABELS.length);
      });
    },
    dispose: () => {
      text.dispose();
      image.dispose();
    },
  };
}

/** Every file of a bundle (its manifest too) under `<prefix>/`, to nest it inside another bundle. */
export async function bundleFiles(dir: string, prefix: string): Promise<Record<string, Uint8Array>> {
  const manifest = await readManifest(dir);
  const files: Record<string, Uint8Array> = {};
  for (const name of [...Object.keys(manifest.files), MANIFEST_FILE]) {
    files[`${prefix}/${name}`] = await readFile(path.join(dir, name));
  }
  return files;
}

/**
 * The weight to ship: the log-likelihood fit, unless text alone (w = 1) or another grid weight
 * scores a higher weighted F1 on the validation products with both, so late fusion is never below
 * the text model alone on validation (issue 14).
 */
function neverBelowText(textProbs: number[][], imageProbs: number[][], labels: number[], nllWeight: number): number {
  const f1At = (w: number) =>
    weightedF1OfProbabilities(
      combineLateFusion(textProbs, imageProbs, w).map((p) => Float32Array.from(p)),
      Int32Array.from(labels),
    );
  let best = { weight: nllWeight, f1: f1At(nllWeight) };
  for (let i = 20; i >= 0; i--) {
    const f1 = f1At(i / 20);
    if (f1 > best.f1 + 1e-9) best = { weight: i / 20, f1 };
  }
  return best.weight;
}

export const trainLateFusion: Trainer = async (data, options) => {
  const { text: textDir, image: imageDir } = options.componentBundles ?? {};
  if (!textDir || !imageDir || !options.loadComponent) {
    throw new InputError('CONFIG_INVALID', 'late-fusion needs a trained text bundle and image bundle.', {
      hint: 'Pass --text-bundle <dir> and --image-bundle <dir> (e.g. from `train --model fasttext` and `--model cnn`).',
    });
  }
  const text = await options.loadComponent(textDir);
  const image = await options.loadComponent(imageDir);
  const both = data.validation.filter((r) => r.text && r.imagePath);
  const inputs = both.map((r) => ({ text: r.text, image: r.imagePath }));
  const textProbs = (await text.predictProba(inputs)).map((p) => Array.from(p));
  const imageProbs = (await image.predictProba(inputs)).map((p) => Array.from(p));
  // Without validation products that have both, an even weight is the honest default.
  const labels = both.map((r) => labelIndexOf(r.label));
  const nllWeight = both.length > 0 ? fitLateFusionWeight(textProbs, imageProbs, labels).weight : 0.5;
  const weight = both.length > 0 ? neverBelowText(textProbs, imageProbs, labels, nllWeight) : nllWeight;
  return {
    classifier: lateFusionClassifier(text, image, weight),
    files: { ...(await bundleFiles(textDir, 'text')), ...(await bundleFiles(imageDir, 'image')) },
    settings: { weight, fitOnProducts: both.length },
  };
};

export const loadLateFusion: Loader = async (bundle) => {
  const weight = Number(bundle.settings.weight);
  return lateFusionClassifier(await bundle.openComponent('text'), await bundle.openComponent('image'), weight);
};
