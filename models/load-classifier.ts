import path from 'node:path';
import { InputError } from '../core/index.js';
import { openBundle } from './bundle.js';
import { applyTemperatureInPlace, type Classifier, MODEL_KINDS, type ModelKind } from './classifiers/classifier.js';
import { MODEL_FAMILIES } from './classifiers/registry-of-kinds.js';

/** What train.ts records in every bundle's metadata, and what loading needs back. */
export interface BundleModelMetadata {
  settings: Record<string, unknown>;
  /** Temperature fit on validation; probabilities are softmax(log p / T). */
  temperature: number;
}

function isModelKind(kind: string): kind is ModelKind {
  return (MODEL_KINDS as readonly string[]).includes(kind);
}

/** Wraps a classifier so its probabilities are temperature-scaled. */
export function calibrated(classifier: Classifier, temperature: number): Classifier {
  if (temperature === 1) return classifier;
  return {
    ...classifier,
    predictProba: async (products) =>
      (await classifier.predictProba(products)).map((p) => applyTemperatureInPlace(p, temperature)),
  };
}

/**
 * Opens a bundle written by `rakuten-ml train` (every file checked against its sha256) and returns
 * its calibrated classifier. A bundle of an unknown kind, or a tampered one, refuses to load.
 */
export async function loadClassifier(dir: string): Promise<Classifier> {
  const { manifest, read } = await openBundle(dir);
  if (!isModelKind(manifest.kind)) {
    throw new InputError('BUNDLE_CORRUPT', `Bundle ${dir} holds a model of unknown kind "${manifest.kind}".`, {
      hint: `Known kinds: ${MODEL_KINDS.join(', ')}. Was it written by a newer rakuten-ml?`,
    });
  }
  const metadata = manifest.metadata as Partial<BundleModelMetadata>;
  const classifier = await MODEL_FAMILIES[manifest.kind].load({
    dir,
    manifest,
    read,
    settings: metadata.settings ?? {},
    openComponent: (subdir) => loadClassifier(path.join(dir, subdir)),
  });
  return calibrated(classifier, typeof metadata.temperature === 'number' ? metadata.temperature : 1);
}
