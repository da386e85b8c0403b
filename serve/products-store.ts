import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { InputError, NotFoundError } from '../core/index.js';
import { CATEGORIES, type Database, joinProductText } from '../data/index.js';
import { type CheckedImage, EXTENSION_OF } from './image-bytes.js';

export interface ProductView {
  productid: number;
  designation: string | null;
  description: string | null;
  prdtypecode: number | null;
  imageSha256: string | null;
  imageType: string | null;
  ownerUserId: number | null;
  source: string;
  createdAt: string;
}

interface ProductRow extends Record<string, unknown> {
  productid: number | string;
  designation: string | null;
  description: string | null;
  prdtypecode: number | string | null;
  image_sha256: string | null;
  image_type: string | null;
  image_path: string | null;
  owner_user_id: number | string | null;
  source: string;
  created_at: string;
}

const CATEGORY_CODES = new Set(CATEGORIES.map((c) => c.code));

export function assertCategory(code: number): void {
  if (!CATEGORY_CODES.has(code)) {
    throw new InputError('CATEGORY_UNKNOWN', `prdtypecode ${code} is not one of the 27 categories.`, {
      hint: `Known codes: ${[...CATEGORY_CODES].join(', ')}.`,
    });
  }
}

function toView(row: ProductRow): ProductView {
  return {
    productid: Number(row.productid),
    designation: row.designation,
    description: row.description,
    prdtypecode: row.prdtypecode === null ? null : Number(row.prdtypecode),
    imageSha256: row.image_sha256,
    imageType: row.image_type,
    ownerUserId: row.owner_user_id === null ? null : Number(row.owner_user_id),
    source: row.source,
    createdAt: row.created_at,
  };
}

/** Content-addressed like `data import`: `<uploads>/<sha256>.<ext>`, written once, atomically. */
export async function storeImage(uploadsDir: string, image: CheckedImage): Promise<string> {
  const target = path.join(uploadsDir, `${image.sha256}.${EXTENSION_OF[image.type]}`);
  if (existsSync(target)) return target;
  await mkdir(uploadsDir, { recursive: true });
  const partial = `${target}.partial-${process.pid}-${Date.now()}`;
  await writeFile(partial, image.bytes);
  await rename(partial, target);
  return target;
}

export interface NewSellerProduct {
  ownerUserId: number;
  designation: string | null;
  description: string | null;
  prdtypecode: number | null;
  image: { path: string; sha256: string; type: string } | null;
}

const ATTEMPTS = 5;

/**
 * Inserts a seller's product (source `seller`, no split: the next `data split` assigns one). Seller
 * products take ids after the largest productid; two writers racing for one id retry.
 */
export async function insertSellerProduct(db: Database, product: NewSellerProduct): Promise<ProductView> {
  if (product.prdtypecode !== null) assertCategory(product.prdtypecode);
  const now = new Date().toISOString();
  const cleaned = joinProductText(product.designation, product.description) || null;
  for (let attempt = 1; ; attempt++) {
    try {
      const [row] = await db.transaction(async (tx) => {
        const [next] = await tx.all<{ id: number | string }>(sql`SELECT COALESCE(MAX(productid), 0) + 1 AS id FROM products`);
        return tx.all<ProductRow>(sql`INSERT INTO products
          (productid, designation, description, cleaned_text, cleaned_at, prdtypecode, source, split,
           image_path, image_sha256, image_type, owner_user_id, created_at, updated_at)
          VALUES (${Number(next?.id ?? 1)}, ${product.designation}, ${product.description}, ${cleaned},
            ${cleaned === null ? null : now}, ${product.prdtypecode}, 'seller', ${null}, ${product.image?.path ?? null},
            ${product.image?.sha256 ?? null}, ${product.image?.type ?? null}, ${product.ownerUserId}, ${now}, ${now})
          RETURNING *`);
      });
      if (!row) throw new Error('INSERT ... RETURNING gave no row');
      return toView(row);
    } catch (error: unknown) {
      if (attempt >= ATTEMPTS || !/unique|duplicate/i.test(String(error))) throw error;
    }
  }
}

export async function listProducts(
  db: Database,
  filter: { ownerUserId?: number | undefined; limit: number; offset: number },
): Promise<{ products: ProductView[]; total: number }> {
  const where =
    filter.ownerUserId === undefined ? sql`WHERE source = 'seller'` : sql`WHERE owner_user_id = ${filter.ownerUserId}`;
  const rows = await db.all<ProductRow>(
    sql`SELECT * FROM products ${where} ORDER BY productid DESC LIMIT ${filter.limit} OFFSET ${filter.offset}`,
  );
  const [count] = await db.all<{ n: number | string }>(sql`SELECT COUNT(*) AS n FROM products ${where}`);
  return { products: rows.map(toView), total: Number(count?.n ?? 0) };
}

/** Deletes a seller product of the caller (any seller product for an admin), and its image if unshared. */
export async function deleteSellerProduct(db: Database, id: number, caller: { userId: number; isAdmin: boolean }): Promise<void> {
  const imagePath = await db.transaction(async (tx) => {
    const [row] = await tx.all<ProductRow>(sql`SELECT * FROM products WHERE productid = ${id} AND source = 'seller'`);
    if (!row || (!caller.isAdmin && Number(row.owner_user_id) !== caller.userId)) {
      // Someone else's product reads as missing: ids of other sellers' products are not revealed.
      throw new NotFoundError('PRODUCT_NOT_FOUND', `You have no product ${id}.`);
    }
    await tx.run(sql`DELETE FROM products WHERE productid = ${id}`);
    if (!row.image_sha256) return null;
    const [shared] = await tx.all(sql`SELECT productid FROM products WHERE image_sha256 = ${row.image_sha256} LIMIT 1`);
    return shared ? null : row.image_path;
  });
  if (imagePath) await rm(imagePath, { force: true });
}
