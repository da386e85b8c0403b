import { escapeHtml } from './html-escape.js';
import type { ClassMetrics, ReliabilityBin } from './metrics.js';

/**
 * The report's charts as inline SVG strings: no script, no external asset, readable offline. Every
 * string from data (class names) is escaped; the full value of a cell or bar is in its `<title>`,
 * which browsers show as a tooltip.
 */

const LABEL_WIDTH_PX = 180;
const LABEL_MAX_CHARS = 26;
const FONT = 'font-family="system-ui, sans-serif" font-size="11"';
/** A generous average glyph width of an 11 px sans-serif font, to size room for labels. */
const CHAR_WIDTH_PX = 6.5;
/** Column labels of the confusion matrix slant up to the right at this angle. */
const COLUMN_LABEL_ANGLE_DEG = 60;

/** A name cut to fit the label column; the whole name stays in the tooltip. */
function shortName(name: string): string {
  return name.length > LABEL_MAX_CHARS ? `${name.slice(0, LABEL_MAX_CHARS - 1)}…` : name;
}

function fixed(value: number, digits = 3): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '—';
}

/** White to dark blue as `share` goes from 0 to 1 (a sequential scale, readable in grey). */
function heatColour(share: number): string {
  const v = Math.min(1, Math.max(0, share));
  const mix = (from: number, to: number) => Math.round(from + (to - from) * v);
  return `rgb(${mix(247, 8)},${mix(251, 48)},${mix(255, 107)})`;
}

/**
 * The confusion matrix as a heatmap: rows are true classes, columns predictions, each cell coloured
 * by its share of the row (so small classes are as readable as large ones).
 */
export function confusionMatrixSvg(matrix: readonly (readonly number[])[], names: readonly string[]): string {
  const cellPx = 18;
  const n = matrix.length;
  const top = LABEL_WIDTH_PX;
  const left = LABEL_WIDTH_PX;
  // A slanted column label runs right of its column by cos(angle) of its length: the last ones
  // were cut at the edge ("2705 Livres n…") before this margin.
  const labelRightPx = Math.ceil(LABEL_MAX_CHARS * CHAR_WIDTH_PX * Math.cos((COLUMN_LABEL_ANGLE_DEG * Math.PI) / 180));
  const width = left + n * cellPx + labelRightPx + 10;
  const height = top + n * cellPx + 30;
  const nameOf = (c: number) => names[c] ?? String(c);
  const parts: string[] = [];
  matrix.forEach((row, i) => {
    const rowTotal = row.reduce((s, v) => s + v, 0);
    const y = top + i * cellPx;
    parts.push(
      `<text x="${left - 4}" y="${y + cellPx * 0.7}" text-anchor="end">${escapeHtml(shortName(nameOf(i)))}</text>`,
    );
    row.forEach((count, j) => {
      const share = rowTotal > 0 ? count / rowTotal : 0;
      const tip = `true: ${nameOf(i)} → predicted: ${nameOf(j)}: ${count} (${fixed(share * 100, 1)}% of row)`;
      const stroke = i === j ? ' stroke="#444"' : '';
      parts.push(
        `<rect x="${left + j * cellPx}" y="${y}" width="${cellPx}" height="${cellPx}" fill="${heatColour(share)}"${stroke}>` +
          `<title>${escapeHtml(tip)}</title></rect>`,
      );
    });
  });
  for (let j = 0; j < n; j++) {
    const x = left + j * cellPx + cellPx * 0.7;
    parts.push(
      `<text transform="translate(${x},${top - 4}) rotate(-${COLUMN_LABEL_ANGLE_DEG})">${escapeHtml(shortName(nameOf(j)))}</text>`,
    );
  }
  parts.push(
    `<text x="${left + (n * cellPx) / 2}" y="${height - 8}" text-anchor="middle">Predicted class</text>`,
    `<text transform="translate(12,${top + (n * cellPx) / 2}) rotate(-90)" text-anchor="middle">True class</text>`,
  );
  return `<svg class="confusion" role="img" aria-label="Confusion matrix" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT}>${parts.join('')}</svg>`;
}

/** Per-class F1 as horizontal bars, in class order, with the value and support beside each bar. */
export function f1BarsSvg(perClass: readonly ClassMetrics[], names: readonly string[]): string {
  const rowPx = 18;
  const barMaxPx = 320;
  const width = LABEL_WIDTH_PX + barMaxPx + 110;
  const height = perClass.length * rowPx + 10;
  const parts = perClass.map((m, i) => {
    const y = 5 + i * rowPx;
    const name = names[m.classIndex] ?? m.name;
    const barPx = Math.max(0, Math.min(1, m.f1)) * barMaxPx;
    const tip = `${name}: F1 ${fixed(m.f1)}, precision ${fixed(m.precision)}, recall ${fixed(m.recall)}, support ${m.support}`;
    return (
      `<text x="${LABEL_WIDTH_PX - 6}" y="${y + rowPx * 0.65}" text-anchor="end">${escapeHtml(shortName(name))}</text>` +
      `<rect x="${LABEL_WIDTH_PX}" y="${y + 2}" width="${fixed(barPx, 1)}" height="${rowPx - 4}" fill="#3b76b0">` +
      `<title>${escapeHtml(tip)}</title></rect>` +
      `<text x="${fixed(LABEL_WIDTH_PX + barPx + 4, 1)}" y="${y + rowPx * 0.65}">${fixed(m.f1)} (n=${m.support})</text>`
    );
  });
  return `<svg class="f1-bars" role="img" aria-label="F1 per class" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT}>${parts.join('')}</svg>`;
}

/**
 * The reliability diagram: the accuracy of each confidence bin as a bar against the diagonal of
 * perfect calibration. Bars under the diagonal mean over-confidence.
 */
export function reliabilitySvg(bins: readonly ReliabilityBin[]): string {
  const plotPx = 300;
  const left = 45;
  const top = 10;
  const size = { width: left + plotPx + 20, height: top + plotPx + 45 };
  const x = (v: number) => fixed(left + v * plotPx, 1);
  const y = (v: number) => fixed(top + (1 - v) * plotPx, 1);
  const parts: string[] = [
    `<rect x="${left}" y="${top}" width="${plotPx}" height="${plotPx}" fill="none" stroke="#999"/>`,
  ];
  for (const b of bins) {
    if (b.count === 0) continue;
    const tip = `confidence (${fixed(b.lower, 2)}, ${fixed(b.upper, 2)}]: ${b.count} samples, accuracy ${fixed(b.accuracy)}, mean confidence ${fixed(b.meanConfidence)}`;
    parts.push(
      `<rect class="bin" x="${x(b.lower)}" y="${y(b.accuracy)}" width="${fixed((b.upper - b.lower) * plotPx, 1)}" height="${fixed(b.accuracy * plotPx, 1)}" fill="#3b76b0" stroke="#fff">` +
        `<title>${escapeHtml(tip)}</title></rect>`,
    );
  }
  parts.push(
    `<line x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(1)}" stroke="#c0392b" stroke-dasharray="4 3"/>`,
  );
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(
      `<text x="${x(tick)}" y="${top + plotPx + 14}" text-anchor="middle">${tick}</text>`,
      `<text x="${left - 6}" y="${fixed(top + (1 - tick) * plotPx + 4, 1)}" text-anchor="end">${tick}</text>`,
    );
  }
  parts.push(
    `<text x="${left + plotPx / 2}" y="${size.height - 6}" text-anchor="middle">Confidence (top probability)</text>`,
    `<text transform="translate(12,${top + plotPx / 2}) rotate(-90)" text-anchor="middle">Accuracy</text>`,
  );
  return `<svg class="reliability" role="img" aria-label="Reliability diagram" width="${size.width}" height="${size.height}" viewBox="0 0 ${size.width} ${size.height}" ${FONT}>${parts.join('')}</svg>`;
}
