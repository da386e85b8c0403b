import path from 'node:path';
import { InputError, type Logger, type ProgressListener } from '../core/index.js';
import { readIndexColumn, readLabelFile, readProductFile } from '../data/index.js';
import { bundleDigest, readManifest } from './bundle.js';
import { labelIndexOf } from './classifiers/classifier.js';
import { writeEvaluationReport } from './evaluate.js';
import type { EvaluationMetrics } from './evaluation/index.js';
import { loadClassifier } from './load-classifier.js';
import { scoreProducts } from './score-products.js';

export interface EvaluateFilesInput {
  bundleDir: string;
  /** Products CSV in the official X format. */
  xCsv: string;
  /** Labels CSV (`,prdtypecode`) with the same index column as xCsv (any order). */
  yCsv: string;
  /** Photos named `image_<imageid>_product_<productid>.jpg`. */
  imageDir?: string | undefined;
  /** Reports go to `<reportsDir>/<run>/report.json` and `report.html`. */
  reportsDir: string;
  /** Products scored at a time. */
  chunkRows?: number;
}

export interface EvaluateFilesResult {
  run: string;
  kind: string;
  bundleSha256: string;
  /** `file:<X file name>`: what the report names as its data set. */
  dataset: string;
  metrics: EvaluationMetrics;
  /** Products the model could not read (nothing it reads, or only a broken photo). */
  skippedProducts: number;
  /** Products scored from their text because their photo could not be decoded. */
  imageUnreadable: number;
  reportJson: string;
  reportHtml: string;
  durationMs: number;
}

const SHOWN = 3;

/** Every X index has exactly one label and every label a product; else nothing is scored. */
async function assertSameIndex(xCsv: string, yCsv: string, labels: ReadonlyMap<string, unknown>): Promise<void> {
  const xIndex = await readIndexColumn(xCsv);
  const xSeen = new Set<string>();
  const withoutLabel = xIndex.filter(({ index }) => {
    xSeen.add(index);
    return !labels.has(index);
  });
  const withoutProduct = [...labels.keys()].filter((index) => !xSeen.has(index));
  const duplicated = xSeen.size !== xIndex.length;
  if (withoutLabel.length === 0 && withoutProduct.length === 0 && !duplicated) return;
  const x = path.basename(xCsv);
  const y = path.basename(yCsv);
  const parts = [`${x} has ${xIndex.length} rows and ${y} ${labels.size}; their index columns differ`];
  if (withoutLabel.length > 0) {
    const first = withoutLabel.slice(0, SHOWN).map((r) => `${r.index} (line ${r.line})`);
    parts.push(`${withoutLabel.length} products have no label (first: ${first.join(', ')})`);
  }
  if (withoutProduct.length > 0) {
    parts.push(`${withoutProduct.length} labels have no product (first: ${withoutProduct.slice(0, SHOWN).join(', ')})`);
  }
  if (duplicated) parts.push(`${x} repeats ${xIndex.length - xSeen.size} index values`);
  throw new InputError('EVALUATE_LABELS_MISMATCH', `${parts.join('; ')}.`, {
    hint: `Pass the Y file written for this X file: one row per product, keyed by X's index column (the first, unnamed one).`,
  });
}

/**
 * `rakuten-ml evaluate --x --y`: scores a labelled file that is not in the database, with the same
 * metrics and report as a split. Products stream through in chunks; only the probabilities stay.
 */
export async function evaluateBundleOnFiles(
  input: EvaluateFilesInput,
  deps: { log: Logger; onProgress?: ProgressListener },
): Promise<EvaluateFilesResult> {
  const started = performance.now();
  // The files are checked first: a wrong Y fails in seconds, before a model loads.
  const labels = await readLabelFile(input.yCsv);
  await assertSameIndex(input.xCsv, input.yCsv, labels);
  const manifest = await readManifest(input.bundleDir);
  const bundleSha256 = bundleDigest(manifest);
  const classifier = await loadClassifier(input.bundleDir);
  const probabilities: Float32Array[] = [];
  const classes: number[] = [];
  let skippedProducts = 0;
  let imageUnreadable = 0;
  let done = 0;
  try {
    for await (const rows of readProductFile(input.xCsv, { imageDir: input.imageDir, chunkRows: input.chunkRows ?? 1024 })) {
      const scores = await scoreProducts(
        classifier,
        rows.map((r) => ({ text: r.text || null, image: r.imagePath })),
      );
      scores.forEach((score, i) => {
        const label = labels.get(rows[i]?.index ?? '');
        if (!score.isScored || label === undefined) {
          skippedProducts++;
          return;
        }
        if (score.imageError !== undefined) imageUnreadable++;
        probabilities.push(score.probabilities);
        classes.push(labelIndexOf(label.code));
      });
      done += rows.length;
      deps.onProgress?.({ stage: 'evaluate', done, total: labels.size });
    }
  } finally {
    classifier.dispose();
  }
  const dataset = `file:${path.basename(input.xCsv)}`;
  const report = await writeEvaluationReport(
    { manifest, bundleSha256, dataset, probabilities, labels: classes, skippedProducts, reportsDir: input.reportsDir },
    deps,
  );
  return {
    ...report,
    kind: manifest.kind,
    bundleSha256,
    dataset,
    skippedProducts,
    imageUnreadable,
    durationMs: Math.round(performance.now() - started),
  };
}
