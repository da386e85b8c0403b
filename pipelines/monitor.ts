import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../core/index.js';
import { loadSplit } from '../data/index.js';
import { readManifest } from '../models/bundle.js';
import { loadClassifier } from '../models/load-classifier.js';
import { predictRows, rowsFor } from '../models/train.js';
import { findVersion, parseModelRef, type RegistryDeps, resolveModelRef } from '../registry/index.js';
import { computeLiveFigures } from '../serve/index.js';
import { computeInputDrift } from './monitor-input.js';
import { renderMonitorHtml } from './monitor-html.js';
import type { MonitorCheck, MonitorInput, MonitorResult, MonitorThresholds } from './monitor-types.js';

export const DEFAULT_THRESHOLDS: MonitorThresholds = { psi: 0.2, f1Drop: 0.05, confidenceDrop: 0.1, shareShift: 0.2, minSamples: 20 };

/** Drift found: the CLI exits 5, like a failed quality gate. */
export class DriftDetectedError extends AppError {}

function check(
  name: MonitorCheck['check'],
  value: number | null,
  threshold: number,
  samples: { n: number; min: number; what: string },
  describe: (v: number) => string,
): MonitorCheck {
  if (value === null || samples.n < samples.min) {
    const skipped = `${samples.n} ${samples.what} (< ${samples.min})`;
    return { check: name, value, threshold, isCrossed: false, skipped, message: `${name}: skipped, ${skipped}` };
  }
  const isCrossed = value > threshold;
  return { check: name, value, threshold, isCrossed, message: `${name} ${describe(value)} ${isCrossed ? '>' : '<='} ${threshold}` };
}

const REFERENCE_ROWS = 2000;

/** The model's mean top-1 confidence on (up to 2,000 products of) the validation split it can read. */
async function validationConfidence(bundleDir: string, imageSizePx: number, deps: RegistryDeps): Promise<number | null> {
  const classifier = await loadClassifier(bundleDir);
  try {
    const rows = rowsFor(classifier, await loadSplit(deps.db, { split: 'validation', imageSizePx })).slice(0, REFERENCE_ROWS);
    if (rows.length === 0) return null;
    const { probabilities } = await predictRows(classifier, rows);
    return probabilities.reduce((sum, p) => sum + Math.max(...p), 0) / probabilities.length;
  } finally {
    classifier.dispose();
  }
}

async function referenceOf(modelRef: string, deps: RegistryDeps): Promise<MonitorResult['model']> {
  const resolved = await resolveModelRef(modelRef, deps);
  const manifest = await readManifest(resolved.bundleDir);
  const validation = manifest.metadata.validation as { weightedF1?: number } | undefined;
  const options = manifest.metadata.options as { imageSizePx?: number } | undefined;
  const parsed = parseModelRef(modelRef);
  const version = parsed.kind === 'registry' ? await findVersion(deps.db, parsed.name, parsed.versionOrAlias) : undefined;
  return {
    ref: modelRef,
    ...(resolved.name ? { name: resolved.name } : {}),
    ...(resolved.version ? { version: resolved.version } : {}),
    registeredF1: version?.weighted_f1 ?? validation?.weightedF1 ?? null,
    expectedConfidence: await validationConfidence(resolved.bundleDir, options?.imageSizePx ?? 64, deps),
  };
}

/**
 * `rakuten-ml monitor`: compares the predictions logged in a window with the training data — predicted
 * classes (PSI vs the train split's labels), confidence, input features of the seller products added,
 * and live accuracy / weighted F1 on the predictions sellers confirmed or corrected — and writes a JSON
 * and an HTML report. Returns `isDrift`; the caller decides what a drift means (the CLI exits 5).
 */
export async function runMonitor(input: MonitorInput, deps: RegistryDeps): Promise<MonitorResult> {
  const t = { ...DEFAULT_THRESHOLDS, ...input.thresholds };
  const until = input.until ?? new Date();
  const model = await referenceOf(input.modelRef, deps);
  const live = await computeLiveFigures(deps.db, { since: input.since, until });
  const drift = await computeInputDrift(deps.db, { since: input.since, until });
  const predictions = { n: live.predictions, min: t.minSamples, what: 'predictions' };
  const feedback = { n: live.feedback.samples, min: t.minSamples, what: 'predictions with feedback' };
  const products = { n: drift.window.products, min: t.minSamples, what: 'seller products' };
  const shift = (a: number | null, b: number | null) => (a === null || b === null ? null : Math.abs(a - b));
  const drop = (reference: number | null, now: number | null) => (reference === null || now === null ? null : reference - now);
  const checks = [
    check('prediction_psi', live.predictionPsi, t.psi, predictions, (v) => v.toFixed(3)),
    check('live_f1_drop', drop(model.registeredF1, live.feedback.weightedF1), t.f1Drop, feedback, (v) =>
      `${v.toFixed(3)} (live ${live.feedback.weightedF1?.toFixed(3)} vs registered ${model.registeredF1?.toFixed(3)})`),
    check('confidence_drop', drop(model.expectedConfidence, live.confidence.mean), t.confidenceDrop, predictions, (v) =>
      `${v.toFixed(3)} (mean ${live.confidence.mean?.toFixed(3)} vs expected ${model.expectedConfidence?.toFixed(3)})`),
    check('text_length_psi', drift.textLengthPsi, t.psi, products, (v) => v.toFixed(3)),
    check('html_share', shift(drift.window.htmlShare, drift.training.htmlShare), t.shareShift, products, (v) => `shift ${v.toFixed(3)}`),
    check('image_missing_share', shift(drift.window.imageMissingShare, drift.training.imageMissingShare), t.shareShift, products, (v) => `shift ${v.toFixed(3)}`),
    check('unknown_token_share', shift(drift.window.unknownTokenShare, drift.training.unknownTokenShare), t.shareShift, products, (v) => `shift ${v.toFixed(3)}`),
  ];
  const crossed = checks.filter((c) => c.isCrossed);
  const summary =
    crossed.length > 0
      ? `DRIFT: ${crossed.map((c) => c.message).join('; ')}`
      : `no drift: ${checks.filter((c) => !c.skipped).length} checks within thresholds, ${checks.filter((c) => c.skipped).length} skipped (${live.predictions} predictions, ${live.feedback.samples} with feedback)`;
  const dir = path.join(input.reportsDir, 'monitor');
  await mkdir(dir, { recursive: true });
  const stamp = until.toISOString().replace(/[:.]/g, '-');
  const result: MonitorResult = {
    model,
    window: { since: input.since.toISOString(), until: until.toISOString() },
    live,
    input: drift,
    checks,
    isDrift: crossed.length > 0,
    summary,
    reportJson: path.join(dir, `${stamp}.json`),
    reportHtml: path.join(dir, `${stamp}.html`),
  };
  for (const [file, content] of [
    [result.reportJson, `${JSON.stringify(result, null, 2)}\n`],
    [result.reportHtml, renderMonitorHtml(result)],
  ] as const) {
    await writeFile(`${file}.tmp`, content);
    await rename(`${file}.tmp`, file);
  }
  deps.log.info({ isDrift: result.isDrift, crossed: crossed.map((c) => c.check) }, 'monitored');
  return result;
}
