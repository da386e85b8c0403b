import { sql } from 'drizzle-orm';
import { type Database, joinProductText } from '../data/index.js';
import { populationStabilityIndex } from '../serve/index.js';

/** What the products look like: text length, HTML, missing images, words the training data never had. */
export interface InputProfile {
  products: number;
  meanTextLength: number | null;
  /** Products per text-length bin (raw title + description characters). */
  lengthCounts: Record<string, number>;
  htmlShare: number | null;
  imageMissingShare: number | null;
  /**
   * Share of word tokens absent from the vocabulary of half the training texts; the training figure
   * is measured on the other half, so both sides are text the vocabulary never saw.
   */
  unknownTokenShare: number | null;
}

export interface InputDrift {
  training: InputProfile;
  window: InputProfile;
  textLengthPsi: number | null;
}

interface ProductRow extends Record<string, unknown> {
  designation: string | null;
  description: string | null;
  cleaned_text: string | null;
  has_image: number;
}

const LENGTH_EDGES = [50, 100, 200, 400, 800, 1600];
const HTML_TAG = /<\/?[a-z][a-z0-9]*[^<>]*>|&lt;\/?[a-z]/i;

function lengthBin(n: number): string {
  const i = LENGTH_EDGES.findIndex((edge) => n < edge);
  return i === -1 ? `>=${LENGTH_EDGES.at(-1)}` : `<${LENGTH_EDGES[i]}`;
}

export function tokensOf(text: string): string[] {
  return text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((t) => t.length > 1);
}

function profile(rows: readonly ProductRow[], vocabulary: ReadonlySet<string>): InputProfile {
  const n = rows.length;
  const lengths = new Map<string, number>();
  let lengthSum = 0;
  let html = 0;
  let noImage = 0;
  let tokens = 0;
  let unknown = 0;
  for (const row of rows) {
    const raw = `${row.designation ?? ''} ${row.description ?? ''}`.trim();
    lengthSum += raw.length;
    const bin = lengthBin(raw.length);
    lengths.set(bin, (lengths.get(bin) ?? 0) + 1);
    if (HTML_TAG.test(raw)) html++;
    if (Number(row.has_image) === 0) noImage++;
    for (const token of tokensOf(row.cleaned_text ?? joinProductText(row.designation, row.description))) {
      tokens++;
      if (!vocabulary.has(token)) unknown++;
    }
  }
  return {
    products: n,
    meanTextLength: n > 0 ? lengthSum / n : null,
    lengthCounts: Object.fromEntries(lengths),
    htmlShare: n > 0 ? html / n : null,
    imageMissingShare: n > 0 ? noImage / n : null,
    unknownTokenShare: tokens > 0 ? unknown / tokens : null,
  };
}

const COLUMNS = sql`designation, description, cleaned_text,
  CASE WHEN image_sha256 IS NULL OR image_error IS NOT NULL THEN 0 ELSE 1 END AS has_image`;

/**
 * Compares the seller products added in [since, until) with the train split: the same product
 * features on both sides, and the unknown-token share against a word vocabulary fit on the training texts.
 */
export async function computeInputDrift(db: Database, window: { since: Date; until: Date }): Promise<InputDrift> {
  const trainingRows = await db.all<ProductRow>(sql`SELECT ${COLUMNS} FROM products WHERE split = 'train' ORDER BY productid`);
  const windowRows = await db.all<ProductRow>(sql`SELECT ${COLUMNS} FROM products WHERE source = 'seller'
    AND created_at >= ${window.since.toISOString()} AND created_at < ${window.until.toISOString()}`);
  const vocabulary = new Set<string>();
  trainingRows.forEach((row, i) => {
    if (i % 2 === 0) for (const t of tokensOf(row.cleaned_text ?? '')) vocabulary.add(t);
  });
  const heldOut = profile(trainingRows.filter((_, i) => i % 2 === 1), vocabulary);
  const training = { ...profile(trainingRows, vocabulary), unknownTokenShare: heldOut.unknownTokenShare };
  const recent = profile(windowRows, vocabulary);
  return {
    training,
    window: recent,
    textLengthPsi: recent.products > 0 && training.products > 0 ? populationStabilityIndex(training.lengthCounts, recent.lengthCounts) : null,
  };
}
