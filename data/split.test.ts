import { describe, expect, it } from 'vitest';
import { assignSplits, type LabelledRow, SPLIT_NAMES, type SplitName } from './split.js';

const TEN = { train: 0.8, validation: 0.1, test: 0.1 };
const FIFTEEN = { train: 0.7, validation: 0.15, test: 0.15 };

/** `perClass` products of each of `classes` classes in one modality, ids from `firstId`. */
function makeRows(opts: { classes: number; perClass: number; hasText: boolean; hasImage: boolean; firstId: number }) {
  const rows: LabelledRow[] = [];
  for (let c = 0; c < opts.classes; c++) {
    for (let i = 0; i < opts.perClass; i++) {
      rows.push({
        productid: opts.firstId + c * 1000 + i,
        prdtypecode: 10 + c,
        cleaned_text: opts.hasText ? 'texte' : null,
        has_text: opts.hasText ? 1 : 0,
        image_sha256: opts.hasImage ? `sha-${c}-${i}` : null,
      });
    }
  }
  return rows;
}

function countBy(assigned: Map<number, SplitName>, rows: readonly LabelledRow[]) {
  const counts: Record<SplitName, number> = { train: 0, validation: 0, test: 0 };
  for (const row of rows) counts[assigned.get(row.productid) ?? 'train']++;
  return counts;
}

describe('assignSplits', () => {
  it('holds out the stratum share of text+image products even when every class has only a few', () => {
    // 27 classes x 9 joint products: rounding 10 % per class would give 1 each; the stratum asks for 15 %.
    const both = makeRows({ classes: 27, perClass: 9, hasText: true, hasImage: true, firstId: 1 });
    const assigned = assignSplits(both, 42, TEN, FIFTEEN);
    const counts = countBy(assigned, both);
    expect(counts.test).toBe(Math.round(243 * 0.15));
    expect(counts.validation).toBe(Math.round(243 * 0.15));
    // Spread over classes: no class gives more than one above its fair share.
    for (let c = 0; c < 27; c++) {
      const ofClass = both.filter((r) => r.prdtypecode === 10 + c);
      expect(countBy(assigned, ofClass).test).toBeGreaterThanOrEqual(1);
      expect(countBy(assigned, ofClass).test).toBeLessThanOrEqual(2);
    }
  });

  it('stratifies text-only and image-only products with the plain fractions', () => {
    const text = makeRows({ classes: 5, perClass: 40, hasText: true, hasImage: false, firstId: 1 });
    const image = makeRows({ classes: 5, perClass: 20, hasText: false, hasImage: true, firstId: 500_000 });
    const assigned = assignSplits([...text, ...image], 7, TEN, FIFTEEN);
    expect(countBy(assigned, text)).toEqual({ train: 160, validation: 20, test: 20 });
    expect(countBy(assigned, image)).toEqual({ train: 80, validation: 10, test: 10 });
    for (const s of SPLIT_NAMES) {
      const classesSeen = new Set(text.filter((r) => assigned.get(r.productid) === s).map((r) => r.prdtypecode));
      expect(classesSeen.size).toBe(5);
    }
  });

  it('depends only on the seed and the data, not on row order', () => {
    const rows = makeRows({ classes: 4, perClass: 30, hasText: true, hasImage: true, firstId: 1 });
    const a = assignSplits(rows, 42, TEN, FIFTEEN);
    const b = assignSplits([...rows].reverse(), 42, TEN, FIFTEEN);
    expect([...b].sort((x, y) => x[0] - y[0])).toEqual([...a].sort((x, y) => x[0] - y[0]));
    const c = assignSplits(rows, 43, TEN, FIFTEEN);
    expect(rows.map((r) => c.get(r.productid))).not.toEqual(rows.map((r) => a.get(r.productid)));
  });
});
