import { describe, expect, it } from 'vitest';
import { computeMetrics } from './metrics.js';
import { type EvaluationReport, renderReportHtml } from './report-html.js';

const EVIL = '<script>alert(1)</script>';

function makeReport(overrides: Partial<EvaluationReport> = {}): EvaluationReport {
  const numClasses = 27;
  const classNames = Array.from({ length: numClasses }, (_, c) => (c === 3 ? EVIL : `Catégorie ${c} & co`));
  const labels = Array.from({ length: 108 }, (_, i) => i % numClasses);
  // Right three times in four, otherwise the next class; confidence 0.6 or 0.9.
  const probabilities = labels.map((label, i) => {
    const row = new Array<number>(numClasses).fill(0.1 / (numClasses - 1));
    row[i % 4 === 0 ? (label + 1) % numClasses : label] = 0.9;
    return row;
  });
  return {
    modelName: 'fasttext',
    modelVersion: 'v3',
    split: 'test',
    createdAt: '2025-01-31T12:00:00Z',
    metrics: computeMetrics({ labels, probabilities, numClasses, classNames }),
    classNames,
    extra: { temperature: 1.42, 'data "snapshot"': '<b>snap-7</b>' },
    ...overrides,
  };
}

describe('renderReportHtml', () => {
  const html = renderReportHtml(makeReport());

  it('draws the confusion matrix, F1 bars and reliability diagram as inline SVG', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toMatch(/<svg class="confusion"/);
    expect(html).toMatch(/<svg class="f1-bars"/);
    expect(html).toMatch(/<svg class="reliability"/);
    // 27 × 27 heatmap cells, each with a tooltip, plus one bar per class.
    expect(html.match(/<rect x="\d+" y="\d+" width="18" height="18"/g)).toHaveLength(27 * 27);
    expect(html).toContain(
      '<title>true: Catégorie 0 &amp; co → predicted: Catégorie 0 &amp; co: 3 (75.0% of row)</title>',
    );
    expect(html.match(/<rect class="bin"/g)?.length).toBeGreaterThan(0);
  });

  it('shows the header, the metrics beside the majority baseline, and the per-class table', () => {
    expect(html).toContain('<h1>Evaluation: fasttext v3</h1>');
    expect(html).toContain('<dd>test</dd>');
    expect(html).toContain('<dd>2025-01-31T12:00:00Z</dd>');
    expect(html).toContain('<dd>108</dd>');
    expect(html).toContain('Majority baseline');
    expect(html).toContain(
      '<tr><th>Accuracy</th><td class="num">0.7500</td><td class="num">0.0370</td></tr>',
    );
    for (const label of [
      'Weighted F1',
      'Macro F1',
      'Top-3 accuracy',
      'Top-5 accuracy',
      'Expected calibration error',
    ]) {
      expect(html).toContain(`<th>${label}</th>`);
    }
    expect(html.match(/<tr><td class="num">\d+<\/td>/g)).toHaveLength(27);
  });

  it('leaves room right of the confusion matrix for the last slanted column label', () => {
    const long = Array.from({ length: 27 }, (_, c) => `${2705 + c} Livres neufs et occasion ${c}`);
    const svg = renderReportHtml(makeReport({ classNames: long })).match(/<svg class="confusion"[^>]*>/)?.[0] ?? '';
    const width = Number(svg.match(/width="(\d+(?:\.\d+)?)"/)?.[1]);
    const lastX = Math.max(
      ...[...renderReportHtml(makeReport({ classNames: long })).matchAll(/translate\(([\d.]+),[\d.]+\) rotate\(-60\)/g)].map(
        (m) => Number(m[1]),
      ),
    );
    // A 26-character label at 6 px a glyph, slanted at 60 degrees, reaches 78 px right of its start.
    expect(width - lastX).toBeGreaterThanOrEqual(26 * 6 * Math.cos(Math.PI / 3));
  });

  it('escapes class names and extra details taken from data', () => {
    expect(html).not.toContain(EVIL);
    expect(html).not.toContain('<b>snap-7</b>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('<th>data &quot;snapshot&quot;</th><td>&lt;b&gt;snap-7&lt;/b&gt;</td>');
    expect(html).not.toMatch(/<script/i);
  });

  it('references nothing on the network', () => {
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?https?:/i);
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/<link|@import|url\(/i);
  });

  it('renders without a version or extra details', () => {
    const plain = renderReportHtml(makeReport({ modelVersion: undefined, extra: undefined }));
    expect(plain).toContain('<h1>Evaluation: fasttext</h1>');
    expect(plain).not.toContain('<h2>Details</h2>');
  });
});
