import { CATEGORIES } from '../data/index.js';
import { escapeHtml } from '../models/evaluation/html-escape.js';
import type { MonitorResult } from './monitor-types.js';

const FONT = 'font-family="system-ui, sans-serif" font-size="11"';
const NAME_OF = new Map(CATEGORIES.map((c) => [String(c.code), c.name]));

/** Training vs recent share per class, two bars each (training grey, recent blue). */
function classSharesSvg(training: Record<string, number>, recent: Record<string, number>): string {
  const codes = [...new Set([...Object.keys(training), ...Object.keys(recent)])].sort((a, b) => Number(a) - Number(b));
  const max = Math.max(0.01, ...codes.map((c) => Math.max(training[c] ?? 0, recent[c] ?? 0)));
  const rowH = 16;
  const width = 620;
  const bar = (share: number) => Math.round((share / max) * 380);
  const rows = codes.map((code, i) => {
    const y = i * rowH + 20;
    const t = training[code] ?? 0;
    const r = recent[code] ?? 0;
    const label = escapeHtml(`${code} ${NAME_OF.get(code) ?? ''}`.slice(0, 30));
    return `<text x="0" y="${y + 11}" ${FONT}>${label}</text>
<rect x="200" y="${y}" width="${bar(t)}" height="6" fill="#999"><title>training ${(t * 100).toFixed(1)}%</title></rect>
<rect x="200" y="${y + 7}" width="${bar(r)}" height="6" fill="#2b6cb0"><title>recent ${(r * 100).toFixed(1)}%</title></rect>`;
  });
  const legend = `<text x="200" y="12" ${FONT}><tspan fill="#777">■ training labels</tspan>  <tspan fill="#2b6cb0">■ recent predictions</tspan></text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${codes.length * rowH + 30}" role="img" aria-label="class shares">${legend}${rows.join('')}</svg>`;
}

/** The confidence histogram (10 bins over [0, 1]). */
function histogramSvg(counts: readonly number[]): string {
  const max = Math.max(1, ...counts);
  const w = 36;
  const h = 120;
  const bars = counts.map((n, i) => {
    const bh = Math.round((n / max) * h);
    return `<rect x="${i * w + 4}" y="${h - bh + 10}" width="${w - 6}" height="${bh}" fill="${i < 5 ? '#c05621' : '#2b6cb0'}"><title>${(i / 10).toFixed(1)}–${((i + 1) / 10).toFixed(1)}: ${n}</title></rect>
<text x="${i * w + 6}" y="${h + 24}" ${FONT}>${(i / 10).toFixed(1)}</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${counts.length * w + 10}" height="${h + 30}" role="img" aria-label="confidence histogram">${bars.join('')}</svg>`;
}

const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);
const num = (v: number | null, d = 3) => (v === null ? '—' : v.toFixed(d));

/** A self-contained page (inline SVG, no script, no external asset). */
export function renderMonitorHtml(r: MonitorResult): string {
  const checks = r.checks
    .map((c) => `<tr class="${c.isCrossed ? 'bad' : ''}"><td>${escapeHtml(c.check)}</td><td>${num(c.value)}</td><td>${c.threshold}</td><td>${c.isCrossed ? 'DRIFT' : c.skipped ? 'skipped' : 'ok'}</td><td>${escapeHtml(c.message)}</td></tr>`)
    .join('\n');
  const t = r.input.training;
  const w = r.input.window;
  const profileRow = (label: string, a: string, b: string) => `<tr><td>${label}</td><td>${a}</td><td>${b}</td></tr>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>rakuten-ml monitor ${escapeHtml(r.window.until)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}.bad{background:#fed7d7}.summary{font-weight:bold}</style></head>
<body>
<h1>Model monitor: ${escapeHtml(r.model.ref)}${r.model.version ? ` (v${r.model.version})` : ''}</h1>
<p>Window ${escapeHtml(r.window.since)} → ${escapeHtml(r.window.until)} · ${r.live.predictions} predictions · ${r.live.feedback.samples} with seller feedback</p>
<p class="summary">${escapeHtml(r.summary)}</p>
<h2>Checks</h2>
<table><tr><th>check</th><th>value</th><th>threshold</th><th>status</th><th>detail</th></tr>
${checks}
</table>
<h2>Live quality (seller-confirmed or corrected predictions)</h2>
<p>accuracy ${pct(r.live.feedback.accuracy)} · weighted F1 ${num(r.live.feedback.weightedF1)} · registered weighted F1 ${num(r.model.registeredF1)}</p>
<h2>Predicted classes vs training labels (PSI ${num(r.live.predictionPsi)})</h2>
${classSharesSvg(r.live.trainingShare, r.live.predictedShare)}
<h2>Confidence (mean ${num(r.live.confidence.mean)}, expected ${num(r.model.expectedConfidence)}, below 0.5: ${pct(r.live.confidence.belowHalfShare)})</h2>
${histogramSvg(r.live.confidence.histogram)}
<h2>Inputs: seller products in the window vs the train split (text-length PSI ${num(r.input.textLengthPsi)})</h2>
<table><tr><th></th><th>train split</th><th>window</th></tr>
${profileRow('products', String(t.products), String(w.products))}
${profileRow('mean text length (chars)', num(t.meanTextLength, 0), num(w.meanTextLength, 0))}
${profileRow('with HTML', pct(t.htmlShare), pct(w.htmlShare))}
${profileRow('without image', pct(t.imageMissingShare), pct(w.imageMissingShare))}
${profileRow('unknown tokens', pct(t.unknownTokenShare), pct(w.unknownTokenShare))}
</table>
</body></html>
`;
}
