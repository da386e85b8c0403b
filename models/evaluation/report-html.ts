import { escapeHtml } from './html-escape.js';
import type { EvaluationMetrics } from './metrics.js';
import { confusionMatrixSvg, f1BarsSvg, reliabilitySvg } from './report-charts.js';

/**
 * One evaluation as a self-contained HTML page: inline CSS and SVG only, no script and no network
 * reference, so it can be attached to a run, mailed or opened offline years later.
 */

/** What an evaluation report shows. */
export interface EvaluationReport {
  modelName: string;
  modelVersion?: string;
  /** The data split scored, e.g. `test`. */
  split: string;
  /** ISO 8601 time of the evaluation. */
  createdAt: string;
  metrics: EvaluationMetrics;
  classNames: string[];
  /** Further facts shown as a key/value table (hyper-parameters, data snapshot, temperature). */
  extra?: Record<string, string | number>;
}

const CSS = `
body { font: 14px/1.45 system-ui, sans-serif; color: #222; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: .25rem; }
h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #ddd; padding-bottom: .25rem; }
dl.meta { display: grid; grid-template-columns: max-content auto; gap: .15rem 1rem; margin: .5rem 0; }
dl.meta dt { color: #666; }
dl.meta dd { margin: 0; }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { padding: .2rem .7rem; border-bottom: 1px solid #eee; text-align: left; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.note { color: #666; font-size: .9rem; }
.chart { overflow-x: auto; }
`;

function formatNumber(value: number, digits = 4): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '—';
}

function metricsTable(m: EvaluationMetrics): string {
  const none = '—';
  const rows: [string, number, string][] = [
    ['Accuracy', m.accuracy, formatNumber(m.majorityBaseline.accuracy)],
    ['Weighted F1', m.weightedF1, formatNumber(m.majorityBaseline.weightedF1)],
    ['Macro F1', m.macroF1, none],
    ['Weighted precision', m.weightedPrecision, none],
    ['Weighted recall', m.weightedRecall, none],
    ['Top-1 accuracy', m.topKAccuracy[1], none],
    ['Top-3 accuracy', m.topKAccuracy[3], none],
    ['Top-5 accuracy', m.topKAccuracy[5], none],
    ['Expected calibration error', m.expectedCalibrationError, none],
    ['Negative log-likelihood', m.negativeLogLikelihood, none],
  ];
  const body = rows
    .map(
      ([label, model, baseline]) =>
        `<tr><th>${escapeHtml(label)}</th><td class="num">${formatNumber(model)}</td><td class="num">${baseline}</td></tr>`,
    )
    .join('');
  return `<table class="metrics"><thead><tr><th>Metric</th><th class="num">Model</th><th class="num">Majority baseline</th></tr></thead><tbody>${body}</tbody></table>`;
}

function perClassTable(m: EvaluationMetrics, names: readonly string[]): string {
  const body = m.perClass
    .map(
      (c) =>
        `<tr><td class="num">${c.classIndex}</td><td>${escapeHtml(names[c.classIndex] ?? c.name)}</td>` +
        `<td class="num">${formatNumber(c.precision, 3)}</td><td class="num">${formatNumber(c.recall, 3)}</td>` +
        `<td class="num">${formatNumber(c.f1, 3)}</td><td class="num">${c.support}</td><td class="num">${c.predicted}</td></tr>`,
    )
    .join('');
  return (
    '<table class="per-class"><thead><tr><th class="num">#</th><th>Class</th><th class="num">Precision</th>' +
    '<th class="num">Recall</th><th class="num">F1</th><th class="num">Support</th><th class="num">Predicted</th>' +
    `</tr></thead><tbody>${body}</tbody></table>`
  );
}

function extraTable(extra: Record<string, string | number>): string {
  const body = Object.entries(extra)
    .map(([key, value]) => `<tr><th>${escapeHtml(key)}</th><td>${escapeHtml(String(value))}</td></tr>`)
    .join('');
  return `<h2>Details</h2><table class="extra"><tbody>${body}</tbody></table>`;
}

/** Renders an evaluation as one self-contained HTML page (inline CSS and SVG, no script). */
export function renderReportHtml(report: EvaluationReport): string {
  const { metrics: m } = report;
  const majorityName =
    report.classNames[m.majorityBaseline.classIndex] ?? String(m.majorityBaseline.classIndex);
  const title = `${report.modelName}${report.modelVersion ? ` ${report.modelVersion}` : ''}`;
  const extra = report.extra && Object.keys(report.extra).length > 0 ? extraTable(report.extra) : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Evaluation: ${escapeHtml(title)} (${escapeHtml(report.split)})</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>Evaluation: ${escapeHtml(title)}</h1>
<dl class="meta">
<dt>Model</dt><dd>${escapeHtml(report.modelName)}</dd>
<dt>Version</dt><dd>${escapeHtml(report.modelVersion ?? '—')}</dd>
<dt>Split</dt><dd>${escapeHtml(report.split)}</dd>
<dt>Date</dt><dd>${escapeHtml(report.createdAt)}</dd>
<dt>Samples</dt><dd>${m.samples}</dd>
</dl>
</header>
<main>
<h2>Metrics</h2>
${metricsTable(m)}
<p class="note">The baseline always predicts the most frequent class, ${escapeHtml(majorityName)}. ECE uses ${m.reliabilityBins.length} equal-width bins of the top probability.</p>
<h2>Confusion matrix</h2>
<p class="note">Rows are true classes, columns predictions; colour is the share of the row. Hover a cell for its count.</p>
<div class="chart">${confusionMatrixSvg(m.confusionMatrix, report.classNames)}</div>
<h2>F1 per class</h2>
<div class="chart">${f1BarsSvg(m.perClass, report.classNames)}</div>
<h2>Reliability diagram</h2>
<p class="note">Accuracy of each confidence bin; the dashed diagonal is perfect calibration, bars below it mean over-confidence.</p>
<div class="chart">${reliabilitySvg(m.reliabilityBins)}</div>
<h2>Per-class scores</h2>
${perClassTable(m, report.classNames)}
${extra}
</main>
</body>
</html>
`;
}
