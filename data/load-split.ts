import { sql } from 'drizzle-orm';
import type { Database } from './db/database.js';
import type { SplitName } from './split.js';

export interface LoadSplitOptions {
  split: SplitName;
  /**
   * text: rows with cleaned text · image: rows with a cached image at imageSizePx · both: rows with
   * both · any (default): every row of the split, missing parts null.
   */
  modality?: 'text' | 'image' | 'both' | 'any';
  /** Which cached size to return (see `data images`); default 128. */
  imageSizePx?: number;
}

export interface SplitRow {
  productid: number;
  label: number;
  /** Cleaned title + description, or null when the product has no (cleaned) text. */
  text: string | null;
  /** Absolute path of the cached square PNG, or null when there is none at that size. */
  imagePath: string | null;
}

interface Row extends Record<string, unknown> {
  productid: number;
  prdtypecode: number;
  cleaned_text: string | null;
  path: string | null;
}

/** The rows of one split for training or evaluation, ordered by productid. */
export async function loadSplit(db: Database, options: LoadSplitOptions): Promise<SplitRow[]> {
  const modality = options.modality ?? 'any';
  const hasText = sql`(p.cleaned_text IS NOT NULL AND p.cleaned_text <> '')`;
  const hasImage = sql`v.path IS NOT NULL`;
  const filter =
    modality === 'text'
      ? hasText
      : modality === 'image'
        ? hasImage
        : modality === 'both'
          ? sql`${hasText} AND ${hasImage}`
          : sql`1 = 1`;
  const rows = await db.all<Row>(sql`SELECT p.productid, p.prdtypecode, p.cleaned_text, v.path
    FROM products p
    LEFT JOIN image_variants v ON v.image_sha256 = p.image_sha256 AND v.size_px = ${options.imageSizePx ?? 128}
      AND p.image_error IS NULL
    WHERE p.split = ${options.split} AND p.prdtypecode IS NOT NULL AND ${filter}
    ORDER BY p.productid`);
  return rows.map((r) => ({
    productid: r.productid,
    label: r.prdtypecode,
    text: r.cleaned_text === '' ? null : r.cleaned_text,
    imagePath: r.path,
  }));
}
