import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../core/index.js';
import { CATEGORIES, type Database, loadSplit, type SplitName } from '../data/index.js';
import { type BundleManifest, bundleDigest, readManifest } from './bundle.js';
import { LABELS } from './classifiers/classifier.js';
import { computeMetrics, type EvaluationMetrics, renderReportHtml } from './evaluation/index.js';
import { loadClassifier } from './load-classifier.js';
import { predictRows, rowsFor } from './train.js';

export interface EvaluateInput {
  bundleDir: string;
  split: SplitName;
  /** Reports go to `<reportsDir>/<run>/report.json` and `report.html`. */
  reportsDir: string;
}

export interface EvaluateResult {
  run: string;
  kind: string;
  bundleSha256: string;
  split: SplitName;
  metrics: EvaluationMetrics;
  /** Products of the split the model could not read (no text for a text model, no image for an image model). */
  skippedProducts: number;
  reportJson: string;
  reportHtml: string;
  durationMs: number;
}

const CLASS_NAMES = LABELS.map((code) => `${code} ${CATEGORIES.find((c) => c.code === code)?.name ?? ''}`.trim());

async function writeAtomically(file: string, content: string): Promise<void> {
  await writeFile(`${file}.tmp`, content);
  await rename(`${file}.tmp`, file);
}

/** What a scored evaluation set hands to the report writer. */
export interface EvaluationReportInput {
  manifest: BundleManifest;
  bundleSha256: string;
  /** What was scored: a split name, or `file:<X file name>`. */
  dataset: string;
  probabilities: readonly Float32Array[];
  /** Class index (column of LABELS) of each scored product. */
  labels: readonly number[];
  skippedProducts: number;
  reportsDir: string;
}

/**
 * Computes the metrics and writes `<reportsDir>/<kind>-<sha>-<dataset>/report.json` and a
 * self-contained report.html (confusion heatmap, per-class F1, reliability diagram).
 */
export async function writeEvaluationReport(
  input: EvaluationReportInput,
  deps: { log: Logger },
): Promise<{ run: string; metrics: EvaluationMetrics; reportJson: string; reportHtml: string }> {
  const { manifest, bundleSha256, dataset, skippedProducts } = input;
  const metrics = computeMetrics({
    labels: [...input.labels],
    probabilities: input.probabilities.map((p) => Array.from(p)),
    numClasses: LABELS.length,
    classNames: CLASS_NAMES,
  });
  const run = `${manifest.kind}-${bundleSha256.slice(0, 12)}-${dataset.replace(/[^A-Za-z0-9_.-]+/g, '-')}`;
  const dir = path.join(input.reportsDir, run);
  await mkdir(dir, { recursive: true });
  const createdAt = new Date().toISOString();
  const reportJson = path.join(dir, 'report.json');
  const reportHtml = path.join(dir, 'report.html');
  const data = manifest.metadata.data as { sha256?: string } | undefined;
  await writeAtomically(
    reportJson,
    `${JSON.stringify({ run, kind: manifest.kind, bundleSha256, split: dataset, createdAt, skippedProducts, data, metrics }, null, 2)}\n`,
  );
  await writeAtomically(
    reportHtml,
    renderReportHtml({
      modelName: manifest.kind,
      modelVersion: bundleSha256.slice(0, 12),
      split: dataset,
      createdAt,
      metrics,
      classNames: CLASS_NAMES,
      extra: {
        'products scored': input.labels.length,
        'products skipped (modality missing)': skippedProducts,
        temperature: Number(manifest.metadata.temperature ?? 1),
        'data sha256': data?.sha256?.slice(0, 16) ?? 'unknown',
      },
    }),
  );
  deps.log.info({ run, weightedF1: metrics.weightedF1 }, 'evaluated');
  return { run, metrics, reportJson, reportHtml };
}

/**
 * `rakuten-ml evaluate`: scores a bundle on a split (test by default) and writes report.json and
 * a self-contained report.html (confusion heatmap, per-class F1, reliability diagram).
 */
export async function evaluateBundle(input: EvaluateInput, deps: { db: Database; log: Logger }): Promise<EvaluateResult> {
  const started = performance.now();
  const manifest = await readManifest(input.bundleDir);
  const bundleSha256 = bundleDigest(manifest);
  const classifier = await loadClassifier(input.bundleDir);
  try {
    const options = manifest.metadata.options as { imageSizePx?: number } | undefined;
    const all = await loadSplit(deps.db, { split: input.split, imageSizePx: options?.imageSizePx ?? 64 });
    const rows = rowsFor(classifier, all);
    const { probabilities, labels } = await predictRows(classifier, rows);
    const { metrics, reportJson, reportHtml, run } = await writeEvaluationReport(
      {
        manifest,
        bundleSha256,
        dataset: input.split,
        probabilities,
        labels,
        skippedProducts: all.length - rows.length,
        reportsDir: input.reportsDir,
      },
      deps,
    );
    return {
      run,
      kind: manifest.kind,
      bundleSha256,
      split: input.split,
      metrics,
      skippedProducts: all.length - rows.length,
      reportJson,
      reportHtml,
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    classifier.dispose();
  }
}
