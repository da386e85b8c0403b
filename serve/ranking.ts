import { CATEGORIES } from '../data/index.js';

export interface RankedClass {
  prdtypecode: number;
  name: string;
  probability: number;
}

const NAME_OF = new Map(CATEGORIES.map((c) => [c.code, c.name]));

/**
 * The classes by falling probability: the first k, or, with `cumulative`, as many as it takes for
 * their probabilities to add up to that threshold (at least one, at most every class).
 */
export function rankClasses(
  probabilities: Float32Array,
  labels: readonly number[],
  options: { k: number; cumulative?: number | undefined },
): RankedClass[] {
  const ranked = [...probabilities]
    .map((probability, i) => ({ prdtypecode: labels[i] ?? -1, probability }))
    .filter((r) => r.prdtypecode >= 0)
    .sort((a, b) => b.probability - a.probability)
    .map((r) => ({ ...r, name: NAME_OF.get(r.prdtypecode) ?? String(r.prdtypecode) }));
  if (options.cumulative === undefined) return ranked.slice(0, options.k);
  const out: RankedClass[] = [];
  let sum = 0;
  for (const r of ranked) {
    out.push(r);
    sum += r.probability;
    if (sum >= options.cumulative) break;
  }
  return out;
}
