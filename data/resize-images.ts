import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { InputError, messageOf } from '../core/index.js';
import { mapWithConcurrency } from './concurrency.js';
import type { Database } from './db/database.js';
import type { StageDeps } from './stage-deps.js';

export interface PrepareImagesInput {
  /** `<home>/images`: files land in `<cacheDir>/<sizePx>/<sha256 of the source>.png`. */
  cacheDir: string;
  /** Square sizes the models read; default 64 and 128. */
  sizesPx?: number[];
  /** Images decoded at once; default the number of CPUs. */
  concurrency?: number;
}

export interface RejectedImage {
  imageSha256: string;
  sourcePath: string;
  reason: string;
}

export interface PrepareImagesResult {
  sizesPx: number[];
  /** Distinct source images (byte-identical files of two products count once). */
  sourceImages: number;
  /** Products whose image is now cached at every size. */
  productsReady: number;
  /** Cache files written by this run. */
  written: number;
  /** Cache files already present and recorded. */
  cached: number;
  rejected: RejectedImage[];
  durationMs: number;
}

const DEFAULT_SIZES_PX = [64, 128];
const WHITE = { r: 255, g: 255, b: 255 };
const BATCH_IMAGES = 64;

interface Variant {
  image_sha256: string;
  size_px: number;
  path: string;
  sha256: string;
  bytes: number;
}

/**
 * One source to every missing size. PNG keeps the resized pixels exact (no second lossy pass over
 * the JPEG) and is small at 64-128 px. failOn 'warning' makes libvips reject truncated JPEGs that it
 * would otherwise decode with a grey tail.
 */
async function resizeOne(
  source: { image_sha256: string; image_path: string },
  sizesPx: number[],
  cacheDir: string,
): Promise<Variant[]> {
  const { default: sharp } = await import('sharp');
  const bytes = await readFile(source.image_path);
  if (createHash('sha256').update(bytes).digest('hex') !== source.image_sha256) {
    throw new Error(
      'the file changed since it was imported (sha256 differs); run `rakuten-ml data import` again',
    );
  }
  const variants: Variant[] = [];
  for (const sizePx of sizesPx) {
    const out = await sharp(bytes, { failOn: 'warning' })
      .resize(sizePx, sizePx, { fit: 'contain', background: WHITE })
      .flatten({ background: WHITE })
      .png()
      .toBuffer();
    const file = path.join(cacheDir, String(sizePx), `${source.image_sha256}.png`);
    await mkdir(path.dirname(file), { recursive: true });
    // Write then rename, so an interrupted run never leaves a half file under the final name.
    await writeFile(`${file}.${process.pid}.tmp`, out);
    await rename(`${file}.${process.pid}.tmp`, file);
    variants.push({
      image_sha256: source.image_sha256,
      size_px: sizePx,
      path: file,
      sha256: createHash('sha256').update(out).digest('hex'),
      bytes: out.length,
    });
  }
  return variants;
}

async function recordBatch(
  db: Database,
  variants: Variant[],
  failures: RejectedImage[],
  now: string,
): Promise<void> {
  await db.transaction(async (tx) => {
    if (variants.length > 0) {
      const values = sql.join(
        variants.map(
          (v) => sql`(${v.image_sha256}, ${v.size_px}, ${v.path}, ${v.sha256}, ${v.bytes}, ${now})`,
        ),
        sql`, `,
      );
      await tx.run(sql`INSERT INTO image_variants (image_sha256, size_px, path, sha256, bytes, created_at)
        VALUES ${values} ON CONFLICT (image_sha256, size_px) DO UPDATE SET path = excluded.path,
        sha256 = excluded.sha256, bytes = excluded.bytes, created_at = excluded.created_at`);
    }
    for (const failure of failures) {
      await tx.run(sql`UPDATE products SET image_error = ${failure.reason}, updated_at = ${now}
        WHERE image_sha256 = ${failure.imageSha256}`);
    }
  });
}

/**
 * Resizes every usable product image into the content-addressed cache (square, aspect kept, white
 * padding) and records each file with its sha256. Images that do not decode are marked on their
 * products with the reason and reported, never thrown. Files already cached are kept.
 */
export async function prepareImages(
  input: PrepareImagesInput,
  deps: StageDeps,
): Promise<PrepareImagesResult> {
  const startedAt = performance.now();
  const sizesPx = [...new Set(input.sizesPx ?? DEFAULT_SIZES_PX)].sort((a, b) => a - b);
  if (sizesPx.some((s) => !Number.isInteger(s) || s < 8 || s > 1024)) {
    throw new InputError(
      'DATA_IMAGE_SIZE_INVALID',
      `Image sizes must be whole numbers from 8 to 1024, got ${sizesPx.join(', ')}`,
      {
        hint: 'Pass e.g. --size 64 --size 128.',
      },
    );
  }
  const { db, log, onProgress } = deps;
  const sources = await db.all<{
    image_sha256: string;
    image_path: string;
  }>(sql`SELECT image_sha256, MIN(image_path) AS image_path
    FROM products WHERE image_sha256 IS NOT NULL AND image_error IS NULL
    GROUP BY image_sha256 ORDER BY image_sha256`);
  const known = await db.all<{ image_sha256: string; size_px: number; path: string }>(
    sql`SELECT image_sha256, size_px, path FROM image_variants`,
  );
  const isCached = new Set(
    known.filter((k) => existsSync(k.path)).map((k) => `${k.image_sha256}|${k.size_px}`),
  );
  const now = new Date().toISOString();
  const result = { written: 0, cached: 0, rejected: [] as RejectedImage[] };
  const concurrency = input.concurrency ?? availableParallelism();
  for (let start = 0; start < sources.length; start += BATCH_IMAGES) {
    const batch = sources.slice(start, start + BATCH_IMAGES);
    const variants: Variant[] = [];
    const failures: RejectedImage[] = [];
    await mapWithConcurrency(batch, concurrency, async (source) => {
      const missing = sizesPx.filter((s) => !isCached.has(`${source.image_sha256}|${s}`));
      result.cached += sizesPx.length - missing.length;
      if (missing.length === 0) return;
      try {
        variants.push(...(await resizeOne(source, missing, input.cacheDir)));
      } catch (error: unknown) {
        failures.push({
          imageSha256: source.image_sha256,
          sourcePath: source.image_path,
          reason: `cannot decode: ${messageOf(error)}`,
        });
      }
    });
    await recordBatch(db, variants, failures, now);
    result.written += variants.length;
    result.rejected.push(...failures);
    onProgress?.({
      stage: 'images',
      done: Math.min(start + BATCH_IMAGES, sources.length),
      total: sources.length,
    });
  }
  const sizeList = sql.join(
    sizesPx.map((s) => sql`${s}`),
    sql`, `,
  );
  const [ready] = await db.all<{ n: number }>(sql`SELECT CAST(count(*) AS INTEGER) AS n FROM products p
    WHERE p.image_error IS NULL AND p.image_sha256 IS NOT NULL AND ${sizesPx.length} = (SELECT CAST(count(*) AS INTEGER)
      FROM image_variants v WHERE v.image_sha256 = p.image_sha256 AND v.size_px IN (${sizeList}))`);
  const durationMs = Math.round(performance.now() - startedAt);
  log.info(
    { sources: sources.length, written: result.written, rejected: result.rejected.length, ms: durationMs },
    'images prepared',
  );
  return { sizesPx, sourceImages: sources.length, productsReady: ready?.n ?? 0, ...result, durationMs };
}
