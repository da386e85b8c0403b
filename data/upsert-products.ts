import { type SQL, sql } from 'drizzle-orm';
import type { Database } from './db/database.js';

/** Where a product came from; `challenge_titles` rows have an empty description by construction. */
export type ProductSource = 'challenge' | 'challenge_titles' | 'challenge_image' | 'seller';

/** One product row as the import writes it. */
export interface ProductValues {
  productid: number;
  imageid: number | null;
  source_index: number | null;
  designation: string | null;
  description: string | null;
  prdtypecode: number;
  source: ProductSource;
  image_path: string | null;
  image_sha256: string | null;
  image_type: string | null;
  image_error: string | null;
}

function valuesOf(rows: readonly ProductValues[], now: string): SQL {
  return sql.join(
    rows.map(
      (r) =>
        sql`(${r.productid}, ${r.imageid}, ${r.source_index}, ${r.designation}, ${r.description}, ${r.prdtypecode},
             ${r.source}, ${r.image_path}, ${r.image_sha256}, ${r.image_type}, ${r.image_error}, ${now}, ${now})`,
    ),
    sql`, `,
  );
}

const INSERT_HEAD = sql`INSERT INTO products (productid, imageid, source_index, designation, description, prdtypecode,
  source, image_path, image_sha256, image_type, image_error, created_at, updated_at) VALUES `;

// Image columns follow the incoming row only when it found an image file, so importing text without
// --images never erases images recorded earlier.
const IMAGE_SET = sql`image_path = COALESCE(excluded.image_path, products.image_path),
  image_sha256 = CASE WHEN excluded.image_path IS NULL THEN products.image_sha256 ELSE excluded.image_sha256 END,
  image_type = CASE WHEN excluded.image_path IS NULL THEN products.image_type ELSE excluded.image_type END,
  image_error = CASE WHEN excluded.image_path IS NULL THEN products.image_error ELSE excluded.image_error END`;
const IMAGE_CHANGED = sql`(excluded.image_path IS NOT NULL AND (products.image_path IS DISTINCT FROM excluded.image_path
  OR products.image_sha256 IS DISTINCT FROM excluded.image_sha256 OR products.image_type IS DISTINCT FROM excluded.image_type
  OR products.image_error IS DISTINCT FROM excluded.image_error))`;
const TEXT_CHANGED = sql`(products.designation IS DISTINCT FROM excluded.designation
  OR products.description IS DISTINCT FROM excluded.description)`;

/** Inserts or updates one batch; returns how many rows were inserted and updated (the rest were unchanged). */
export async function upsertBatch(
  db: Database,
  rows: readonly ProductValues[],
  now: string,
  kind: 'text' | 'image_only',
): Promise<{ inserted: number; updated: number }> {
  if (rows.length === 0) return { inserted: 0, updated: 0 };
  // Image-only rows never overwrite the text or label of a product that already has a text row.
  const onConflict =
    kind === 'text'
      ? sql`ON CONFLICT (productid) DO UPDATE SET imageid = excluded.imageid, source_index = excluded.source_index,
          designation = excluded.designation, description = excluded.description,
          cleaned_text = CASE WHEN ${TEXT_CHANGED} THEN NULL ELSE products.cleaned_text END,
          cleaned_at = CASE WHEN ${TEXT_CHANGED} THEN NULL ELSE products.cleaned_at END,
          prdtypecode = excluded.prdtypecode, source = excluded.source, ${IMAGE_SET}, updated_at = excluded.updated_at
        WHERE products.imageid IS DISTINCT FROM excluded.imageid OR products.source_index IS DISTINCT FROM excluded.source_index
          OR ${TEXT_CHANGED} OR products.prdtypecode IS DISTINCT FROM excluded.prdtypecode
          OR products.source IS DISTINCT FROM excluded.source OR ${IMAGE_CHANGED}`
      : sql`ON CONFLICT (productid) DO UPDATE SET ${IMAGE_SET}, updated_at = excluded.updated_at WHERE ${IMAGE_CHANGED}`;
  const changed = await db.all<{ productid: number; created_at: string }>(
    sql`${INSERT_HEAD}${valuesOf(rows, now)} ${onConflict} RETURNING productid, created_at`,
  );
  const inserted = changed.filter((r) => r.created_at === now).length;
  return { inserted, updated: changed.length - inserted };
}
