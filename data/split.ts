import { createHash } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { InputError } from '../core/index.js';
import type { Database } from './db/database.js';
import type { StageDeps } from './stage-deps.js';

export const SPLIT_NAMES = ['train', 'validation', 'test'] as const;
export type SplitName = (typeof SPLIT_NAMES)[number];

export interface SplitInput {
  seed: number;
  /** Fractions for validation and test; train gets the rest. Default 0.1 and 0.1. */
  validationFraction?: number;
  testFraction?: number;
  /**
   * Validation and test fraction each for products with text and image; default 0.15. Fusion is judged
   * on these, and there are few (1,319 photos in the shared data), so they get a larger held-out share.
   */
  bothModalitiesFraction?: number;
  /** Folder for the manifest JSON, e.g. `<home>/splits`. */
  manifestDir: string;
}

export interface SplitCounts {
  total: number;
  /** prdtypecode -> rows. */
  perClass: Record<string, number>;
  withText: number;
  withImage: number;
  /** Products with both text and an image: the ones a fusion model is judged on. */
  withBoth: number;
}

export interface SplitManifest {
  /** sha256 of every (product, label, split, text, image) line: names exactly what a run trained on. */
  dataSha256: string;
  seed: number;
  fractions: Record<SplitName, number>;
  /** The fractions used for products with both text and image. */
  bothFractions: Record<SplitName, number>;
  counts: Record<SplitName, SplitCounts>;
}

export interface SplitResult {
  manifest: SplitManifest;
  manifestPath: string;
  durationMs: number;
}

export interface LabelledRow extends Record<string, unknown> {
  productid: number;
  prdtypecode: number;
  cleaned_text: string | null;
  has_text: number;
  image_sha256: string | null;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const BATCH_ROWS = 1000;

type Fractions = Record<SplitName, number>;
type Stratum = 'text' | 'image' | 'both';

const sumOf = (sizes: ReadonlyMap<number, number>): number => [...sizes.values()].reduce((a, b) => a + b, 0);

const stratumOf = (row: LabelledRow): Stratum =>
  row.image_sha256 === null ? 'text' : row.has_text === 1 ? 'both' : 'image';

/**
 * How many of each class go to one held-out split: the stratum's total is round(n * fraction), shared
 * over the classes by largest remainder (ties by class code). Rounding per class instead starves the
 * small groups: 27 classes with 8-12 joint products each round to one apiece, or none.
 */
function apportion(sizes: ReadonlyMap<number, number>, fraction: number): Map<number, number> {
  const target = Math.round(sumOf(sizes) * fraction);
  const shares = [...sizes].map(([code, size]) => ({ code, exact: size * fraction, base: Math.floor(size * fraction) }));
  let left = target - shares.reduce((a, s) => a + s.base, 0);
  const byRemainder = [...shares].sort((a, b) => b.exact - b.base - (a.exact - a.base) || a.code - b.code);
  const counts = new Map(shares.map((s) => [s.code, s.base]));
  for (const s of byRemainder) {
    if (left <= 0) break;
    counts.set(s.code, s.base + 1);
    left--;
  }
  return counts;
}

/**
 * Stratified assignment: rows are grouped by modality (text only, image only, both) and class, so each
 * split gets its share of every class and of every modality; the text+image stratum gets its own
 * (larger) held-out fractions because fusion is judged on it. Inside a group the order is a hash of
 * seed + productid, which depends on neither insertion order nor the database.
 */
export function assignSplits(
  rows: readonly LabelledRow[],
  seed: number,
  fractions: Fractions,
  bothFractions: Fractions,
): Map<number, SplitName> {
  const strata = new Map<Stratum, Map<number, LabelledRow[]>>();
  for (const row of rows) {
    const byClass = strata.get(stratumOf(row)) ?? new Map<number, LabelledRow[]>();
    const group = byClass.get(row.prdtypecode) ?? [];
    group.push(row);
    byClass.set(row.prdtypecode, group);
    strata.set(stratumOf(row), byClass);
  }
  const assigned = new Map<number, SplitName>();
  for (const [stratum, byClass] of strata) {
    const f = stratum === 'both' ? bothFractions : fractions;
    const sizes = new Map([...byClass].map(([code, group]) => [code, group.length]));
    const nTest = apportion(sizes, f.test);
    // Validation is apportioned on what test left, so a group never gives more than it holds.
    const rest = new Map([...sizes].map(([code, size]) => [code, size - (nTest.get(code) ?? 0)]));
    const restTotal = sumOf(rest);
    const nValidation = apportion(rest, restTotal === 0 ? 0 : (f.validation * sumOf(sizes)) / restTotal);
    for (const [code, group] of byClass) {
      const ordered = group
        .map((row) => ({ row, key: sha256(`${seed}:${row.productid}`) }))
        .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      const t = nTest.get(code) ?? 0;
      const v = nValidation.get(code) ?? 0;
      ordered.forEach(({ row }, i) => {
        assigned.set(row.productid, i < t ? 'test' : i < t + v ? 'validation' : 'train');
      });
    }
  }
  return assigned;
}

function countSplits(
  rows: readonly LabelledRow[],
  assigned: Map<number, SplitName>,
): Record<SplitName, SplitCounts> {
  const empty = (): SplitCounts => ({ total: 0, perClass: {}, withText: 0, withImage: 0, withBoth: 0 });
  const counts = { train: empty(), validation: empty(), test: empty() };
  for (const row of rows) {
    const c = counts[assigned.get(row.productid) ?? 'train'];
    c.total++;
    c.perClass[row.prdtypecode] = (c.perClass[row.prdtypecode] ?? 0) + 1;
    c.withText += row.has_text;
    if (row.image_sha256 !== null) c.withImage++;
    if (row.image_sha256 !== null && row.has_text === 1) c.withBoth++;
  }
  return counts;
}

/** The sha256 of every (product, label, split, text, image) line, in productid order. */
function hashSplit(rows: readonly LabelledRow[], assigned: ReadonlyMap<number, SplitName | null>): string {
  const lines = rows.map(
    (r) =>
      `${r.productid}\t${r.prdtypecode}\t${assigned.get(r.productid)}\t${sha256(r.cleaned_text ?? '')}\t${r.image_sha256 ?? ''}\n`,
  );
  return sha256(lines.join(''));
}

const LABELLED_ROWS = sql`SELECT productid, prdtypecode, cleaned_text,
      CASE WHEN designation IS NULL THEN 0 ELSE 1 END AS has_text,
      CASE WHEN image_error IS NULL THEN image_sha256 ELSE NULL END AS image_sha256
    FROM products WHERE prdtypecode IS NOT NULL ORDER BY productid`;

/**
 * The manifest of the split the database holds now, found by hashing the current rows: a training
 * run names exactly the data it read. Throws when the data changed since the last `data split`.
 */
export async function currentSplitManifest(db: Database): Promise<SplitManifest> {
  const rows = await db.all<LabelledRow & { split: SplitName | null }>(sql`SELECT p.productid, p.prdtypecode,
      p.cleaned_text, p.has_text, p.image_sha256, q.split FROM (${LABELLED_ROWS}) p
      JOIN products q ON q.productid = p.productid ORDER BY p.productid`);
  const dataSha256 = hashSplit(rows, new Map(rows.map((r) => [r.productid, r.split])));
  const found = await db.all<{ manifest: string }>(
    sql`SELECT manifest FROM split_manifests WHERE data_sha256 = ${dataSha256}`,
  );
  const manifest = found[0]?.manifest;
  if (manifest === undefined) {
    throw new InputError('DATA_SPLIT_INVALID', 'The products changed since the last split (or none was made).', {
      hint: 'Run `rakuten-ml data clean` and `rakuten-ml data split` before training.',
    });
  }
  return JSON.parse(manifest) as SplitManifest;
}

async function writeSplitColumn(db: Database, assigned: Map<number, SplitName>): Promise<void> {
  await db.run(sql`UPDATE products SET split = NULL WHERE split IS NOT NULL`);
  const entries = [...assigned];
  for (let start = 0; start < entries.length; start += BATCH_ROWS) {
    const values = sql.join(
      entries
        .slice(start, start + BATCH_ROWS)
        .map(([id, split]) => sql`(CAST(${id} AS BIGINT), CAST(${split} AS TEXT))`),
      sql`, `,
    );
    await db.run(sql`WITH v(productid, split) AS (VALUES ${values})
      UPDATE products SET split = v.split FROM v WHERE products.productid = v.productid`);
  }
}

/**
 * Splits the labelled products into train/validation/test, stratified by class and modality, deterministically
 * (same seed + same data gives the same split and the same dataSha256), and records the split in the
 * database and in `<manifestDir>/split-<dataSha256>.json`.
 */
export async function splitProducts(input: SplitInput, deps: StageDeps): Promise<SplitResult> {
  const startedAt = performance.now();
  const fractions = {
    validation: input.validationFraction ?? 0.1,
    test: input.testFraction ?? 0.1,
    train: 0,
  };
  fractions.train = 1 - fractions.validation - fractions.test;
  const both = input.bothModalitiesFraction ?? 0.15;
  const bothFractions = { validation: both, test: both, train: 1 - 2 * both };
  const isValid = (f: Fractions) => f.validation >= 0 && f.test >= 0 && f.train > 0;
  if (!Number.isInteger(input.seed) || !isValid(fractions) || !isValid(bothFractions)) {
    throw new InputError(
      'DATA_SPLIT_INVALID',
      `Cannot split with seed ${input.seed}, validation ${fractions.validation}, test ${fractions.test}, text+image ${both}`,
      {
        hint: 'Use a whole-number seed and fractions >= 0 whose sum is below 1, e.g. --validation 0.1 --test 0.1.',
      },
    );
  }
  const rows = await deps.db.all<LabelledRow>(LABELLED_ROWS);
  if (rows.length === 0) {
    throw new InputError('DATA_NOTHING_TO_DO', 'No labelled products to split', {
      hint: 'Run `rakuten-ml data import` first.',
    });
  }
  const assigned = assignSplits(rows, input.seed, fractions, bothFractions);
  const manifest: SplitManifest = {
    dataSha256: hashSplit(rows, assigned),
    seed: input.seed,
    fractions,
    bothFractions,
    counts: countSplits(rows, assigned),
  };
  await deps.db.transaction(async (tx) => {
    await writeSplitColumn(tx, assigned);
    await tx.run(sql`INSERT INTO split_manifests (data_sha256, seed, manifest, created_at)
      VALUES (${manifest.dataSha256}, ${manifest.seed}, ${JSON.stringify(manifest)}, ${new Date().toISOString()})
      ON CONFLICT (data_sha256) DO NOTHING`);
  });
  await mkdir(input.manifestDir, { recursive: true });
  const manifestPath = path.join(input.manifestDir, `split-${manifest.dataSha256.slice(0, 16)}.json`);
  await writeFile(`${manifestPath}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(`${manifestPath}.tmp`, manifestPath);
  const durationMs = Math.round(performance.now() - startedAt);
  deps.log.info({ dataSha256: manifest.dataSha256, rows: rows.length, ms: durationMs }, 'products split');
  return { manifest, manifestPath, durationMs };
}
