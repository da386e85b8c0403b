import { sql } from 'drizzle-orm';
import { joinProductText } from './clean-text.js';
import type { Database } from './db/database.js';
import type { StageDeps } from './stage-deps.js';

export interface CleanInput {
  /** Clean every text row again, not only the ones never cleaned (after a change to clean-text.ts). */
  isForced?: boolean;
}

export interface CleanResult {
  /** Rows whose cleaned text was written. */
  cleaned: number;
  /** Rows looked at whose cleaned text was already the same. */
  unchanged: number;
  /** Rows whose text is empty once cleaned (e.g. a title that was only markup). */
  empty: number;
  durationMs: number;
}

const BATCH_ROWS = 500;

interface TextRow extends Record<string, unknown> {
  productid: number;
  designation: string | null;
  description: string | null;
  cleaned_text: string | null;
}

// One UPDATE per batch through a VALUES table; the CASTs give PostgreSQL the column types that
// untyped parameters lack. SQLite (3.33+) accepts the same UPDATE ... FROM.
async function writeBatch(
  db: Database,
  rows: { productid: number; text: string }[],
  now: string,
): Promise<void> {
  if (rows.length === 0) return;
  const values = sql.join(
    rows.map((r) => sql`(CAST(${r.productid} AS BIGINT), CAST(${r.text} AS TEXT))`),
    sql`, `,
  );
  await db.run(sql`WITH v(productid, cleaned_text) AS (VALUES ${values})
    UPDATE products SET cleaned_text = v.cleaned_text, cleaned_at = ${now}
    FROM v WHERE products.productid = v.productid`);
}

/**
 * Writes `cleaned_text` (title + description as one plain-text field, see clean-text.ts) for every
 * text row not cleaned yet; the original designation and description stay untouched.
 */
export async function cleanProducts(input: CleanInput, deps: StageDeps): Promise<CleanResult> {
  const startedAt = performance.now();
  const { db, log, onProgress } = deps;
  const onlyNew = input.isForced ? sql`` : sql`AND cleaned_text IS NULL`;
  const [countRow] = await db.all<{ n: number }>(
    sql`SELECT CAST(count(*) AS INTEGER) AS n FROM products WHERE designation IS NOT NULL ${onlyNew}`,
  );
  const total = countRow?.n ?? 0;
  const result = { cleaned: 0, unchanged: 0, empty: 0 };
  const now = new Date().toISOString();
  let lastId = -1;
  // Keyset pagination on productid, so rows cleaned in an earlier batch are never read twice.
  for (;;) {
    const rows =
      await db.all<TextRow>(sql`SELECT productid, designation, description, cleaned_text FROM products
      WHERE designation IS NOT NULL ${onlyNew} AND productid > ${lastId} ORDER BY productid LIMIT ${BATCH_ROWS}`);
    const last = rows.at(-1);
    if (last === undefined) break;
    lastId = last.productid;
    const changed: { productid: number; text: string }[] = [];
    for (const row of rows) {
      const text = joinProductText(row.designation, row.description);
      if (text === '') result.empty++;
      if (text === row.cleaned_text) result.unchanged++;
      else changed.push({ productid: row.productid, text });
    }
    await db.transaction((tx) => writeBatch(tx, changed, now));
    result.cleaned += changed.length;
    onProgress?.({ stage: 'clean', done: result.cleaned + result.unchanged, total });
  }
  const durationMs = Math.round(performance.now() - startedAt);
  log.info({ ...result, ms: durationMs }, 'products cleaned');
  return { ...result, durationMs };
}
