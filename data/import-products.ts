import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { InputError } from '../core/index.js';
import { CATEGORY_CODES } from './categories.js';
import { assertFileExists, readChallengeCsv } from './challenge-csv.js';
import { mapWithConcurrency } from './concurrency.js';
import type { Database } from './db/database.js';
import { type ImageInspection, inspectImage } from './inspect-image.js';
import { type ProductValues, upsertBatch } from './upsert-products.js';
import type { StageDeps } from './stage-deps.js';

export type { ProductSource } from './upsert-products.js';

export interface TextFilePair {
  xPath: string;
  yPath: string;
  source: 'challenge' | 'challenge_titles';
}

export interface ImportInput {
  /** X/Y pairs in the official format, imported in order. */
  textFiles: TextFilePair[];
  /** Folder of `image_<imageid>_product_<productid>.jpg` files. */
  imageDir?: string;
  /** ids_all.csv: also import every image whose product has no text row, labelled from this file. */
  idsPath?: string;
}

export type RejectReason =
  | 'missing_label'
  | 'unknown_code'
  | 'duplicate_id'
  | 'invalid_row'
  | 'missing_image'
  | 'unreadable_image'
  | 'unrecognised_file';

export interface RejectedItem {
  file: string;
  line?: number;
  productid?: number;
  reason: RejectReason;
  detail: string;
}

export interface ImportResult {
  /** Products created by this run. */
  imported: number;
  /** Products that existed and changed. */
  updated: number;
  /** Products that existed unchanged (a second import skips everything). */
  skipped: number;
  rejected: RejectedItem[];
  textRows: number;
  imageOnlyRows: number;
  /** Products of this run that carry a usable image. */
  withImage: number;
  durationMs: number;
}

const X_COLUMNS = ['index', 'designation', 'description', 'productid', 'imageid'] as const;
const Y_COLUMNS = ['index', 'prdtypecode'] as const;
const IDS_COLUMNS = ['index', 'productid', 'imageid', 'prdtypecode'] as const;
const IMAGE_NAME = /^image_(\d+)_product_(\d+)\.(jpe?g|png)$/i;
const BATCH_ROWS = 500;
const IMAGE_CONCURRENCY = 8;

const intText = z.string().regex(/^\d+$/, 'not a whole number').transform(Number);
const xRowSchema = z.object({
  index: intText,
  designation: z.string().trim().min(1, 'empty designation'),
  description: z.string().transform((d) => (d.trim() === '' ? null : d)),
  productid: intText,
  imageid: intText,
});

interface ImageFile {
  file: string;
  imageid: number;
}

/** One label of a Y file, with the line it came from (for errors that name the row). */
interface LabelEntry {
  code: number;
  line: number;
}

/**
 * Reads a whole label file before anything is written: a code outside the 27 categories is a
 * broken file (issue 10: name the file and row, import nothing from it), not a row to skip.
 */
async function readLabels(yPath: string): Promise<Map<number, LabelEntry>> {
  const labels = new Map<number, LabelEntry>();
  const file = path.basename(yPath);
  for await (const { line, fields } of readChallengeCsv(yPath, Y_COLUMNS)) {
    const raw = fields.prdtypecode ?? '';
    const code = parseLabel(raw);
    if ('reason' in code) {
      throw new InputError('DATA_LABEL_UNKNOWN', `${file} line ${line}: ${code.detail}`, {
        hint: `Each prdtypecode must be one of the 27 challenge codes (rakuten-ml doctor lists the data folder); nothing was imported from ${file}.`,
      });
    }
    labels.set(Number(fields.index), { code: code.code, line });
  }
  return labels;
}

/** The first rows on each side that have no partner, and how many: what DATA_LABELS_MISMATCH reports. */
interface IndexMismatch {
  productsWithoutLabel: number;
  firstProductLine?: number;
  firstProductIndex?: string;
}

function mismatchError(
  xFile: string,
  yFile: string,
  xRows: number,
  labels: Map<number, LabelEntry>,
  unmatchedLabels: Set<number>,
  mismatch: IndexMismatch,
): InputError {
  const parts = [`${xFile} has ${xRows} rows and ${yFile} ${labels.size}; their index columns differ:`];
  if (mismatch.productsWithoutLabel > 0) {
    parts.push(
      `${mismatch.productsWithoutLabel} products have no label (first: ${xFile} line ${mismatch.firstProductLine}, index ${mismatch.firstProductIndex})`,
    );
  }
  const [firstLabel] = unmatchedLabels;
  if (firstLabel !== undefined) {
    const line = labels.get(firstLabel)?.line;
    parts.push(
      `${unmatchedLabels.size} labels have no product (first: ${yFile} line ${line}, index ${firstLabel})`,
    );
  }
  return new InputError('DATA_LABELS_MISMATCH', `${parts[0]} ${parts.slice(1).join('; ')}`, {
    hint: `Pass the label file of the same product file (X_train.csv goes with Y_train.csv, X_train_titles.csv with Y_train_titles.csv); nothing was imported.`,
  });
}

async function indexImages(imageDir: string, rejected: RejectedItem[]): Promise<Map<number, ImageFile>> {
  let names: string[];
  try {
    names = (await readdir(imageDir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
  } catch (error: unknown) {
    throw new InputError('DATA_FILE_MISSING', `Cannot list the image folder ${imageDir}`, {
      hint: 'Pass --images <dir> with the image_train folder of the challenge.',
      cause: error,
    });
  }
  const images = new Map<number, ImageFile>();
  for (const name of names.sort()) {
    const match = IMAGE_NAME.exec(name);
    if (!match) {
      if (!name.startsWith('.')) {
        rejected.push({
          file: name,
          reason: 'unrecognised_file',
          detail: 'name is not image_<imageid>_product_<productid>.jpg',
        });
      }
      continue;
    }
    images.set(Number(match[2]), { file: path.resolve(imageDir, name), imageid: Number(match[1]) });
  }
  return images;
}

function parseLabel(raw: string | undefined): { code: number } | { reason: RejectReason; detail: string } {
  if (raw === undefined)
    return { reason: 'missing_label', detail: 'no label with this index in the label file' };
  const code = Number(raw);
  if (!Number.isInteger(code) || !CATEGORY_CODES.has(code)) {
    return { reason: 'unknown_code', detail: `prdtypecode "${raw}" is not one of the 27 categories` };
  }
  return { code };
}

function imageColumns(image: ImageFile | undefined, inspection: ImageInspection | undefined) {
  if (image === undefined || inspection === undefined) {
    return { image_path: null, image_sha256: null, image_type: null, image_error: null };
  }
  return inspection.isValid
    ? {
        image_path: image.file,
        image_sha256: inspection.sha256,
        image_type: inspection.type,
        image_error: null,
      }
    : {
        image_path: image.file,
        image_sha256: inspection.sha256,
        image_type: null,
        image_error: inspection.reason,
      };
}

function imageReject(
  image: ImageFile,
  inspection: ImageInspection,
  productid: number,
  detail: string,
): RejectedItem {
  const reason: RejectReason = inspection.isValid
    ? 'unreadable_image'
    : inspection.reason.startsWith('cannot read')
      ? 'missing_image'
      : 'unreadable_image';
  return {
    file: path.basename(image.file),
    productid,
    reason,
    detail: `${inspection.isValid ? '' : inspection.reason}; ${detail}`,
  };
}

/**
 * Imports the official challenge files into the product database: streaming, in one transaction
 * (all or nothing), idempotent (a second run reports everything as skipped). Row problems are
 * rejected with a reason (invalid row, duplicate id, bad image); file problems throw InputError and
 * leave the database as it was: a missing column, a label outside the 27 codes, X and Y index
 * columns that differ (a row count that does not match is one case).
 */
export async function importProducts(input: ImportInput, deps: StageDeps): Promise<ImportResult> {
  const startedAt = performance.now();
  const { db, log, onProgress } = deps;
  for (const pair of input.textFiles) {
    assertFileExists(pair.xPath, 'Product file');
    assertFileExists(pair.yPath, 'Label file');
  }
  if (input.idsPath !== undefined) assertFileExists(input.idsPath, 'Id file');
  const rejected: RejectedItem[] = [];
  const images =
    input.imageDir === undefined ? new Map<number, ImageFile>() : await indexImages(input.imageDir, rejected);
  const labelFiles = await Promise.all(input.textFiles.map((pair) => readLabels(pair.yPath)));
  const result = { imported: 0, updated: 0, skipped: 0, textRows: 0, imageOnlyRows: 0, withImage: 0 };
  let total = labelFiles.reduce((sum, labels) => sum + labels.size, 0);
  let done = 0;
  const now = new Date().toISOString();
  const seen = new Set<number>();

  const flush = async (tx: Database, batch: ProductValues[], kind: 'text' | 'image_only'): Promise<void> => {
    const counts = await upsertBatch(tx, batch, now, kind);
    result.imported += counts.inserted;
    result.updated += counts.updated;
    result.skipped += batch.length - counts.inserted - counts.updated;
    result.withImage += batch.filter((r) => r.image_sha256 !== null && r.image_error === null).length;
    done += batch.length;
    onProgress?.({ stage: 'import', done, total });
    batch.length = 0;
  };

  await db.transaction(async (tx) => {
    for (const [i, pair] of input.textFiles.entries()) {
      const labels = labelFiles[i] ?? new Map<number, LabelEntry>();
      const file = path.basename(pair.xPath);
      const unmatchedLabels = new Set(labels.keys());
      const mismatch: IndexMismatch = { productsWithoutLabel: 0 };
      let xRows = 0;
      const batch: ProductValues[] = [];
      const pending: { row: ProductValues; image: ImageFile; line: number }[] = [];
      for await (const { line, fields } of readChallengeCsv(pair.xPath, X_COLUMNS)) {
        xRows++;
        const rawIndex = fields.index ?? '';
        const label = labels.get(Number(rawIndex));
        unmatchedLabels.delete(Number(rawIndex));
        if (label === undefined) {
          // Every X row needs its Y row: count them all so the error says how far apart the files are.
          mismatch.productsWithoutLabel++;
          mismatch.firstProductLine ??= line;
          mismatch.firstProductIndex ??= rawIndex;
          continue;
        }
        // Once the files are known not to match, nothing will be written: skip the row work.
        if (mismatch.productsWithoutLabel > 0) continue;
        const parsed = xRowSchema.safeParse(fields);
        if (!parsed.success) {
          const detail = parsed.error.issues
            .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
            .join('; ');
          rejected.push({ file, line, reason: 'invalid_row', detail });
          continue;
        }
        const x = parsed.data;
        if (seen.has(x.productid)) {
          rejected.push({
            file,
            line,
            productid: x.productid,
            reason: 'duplicate_id',
            detail: 'productid already seen in this import',
          });
          continue;
        }
        seen.add(x.productid);
        result.textRows++;
        const row: ProductValues = {
          ...x,
          source_index: x.index,
          prdtypecode: label.code,
          source: pair.source,
          ...imageColumns(undefined, undefined),
        };
        const image = images.get(x.productid);
        if (image !== undefined) pending.push({ row, image, line });
        batch.push(row);
        if (batch.length >= BATCH_ROWS) {
          await attachImages(pending, file, rejected);
          await flush(tx, batch, 'text');
        }
      }
      if (mismatch.productsWithoutLabel > 0 || unmatchedLabels.size > 0) {
        throw mismatchError(file, path.basename(pair.yPath), xRows, labels, unmatchedLabels, mismatch);
      }
      await attachImages(pending, file, rejected);
      await flush(tx, batch, 'text');
    }
    if (input.idsPath !== undefined) {
      const orphans = [...images].filter(([productid]) => !seen.has(productid));
      total = done + orphans.length;
      const imageOnly = await labelImageOnly(new Map(orphans), input.idsPath, rejected);
      result.imageOnlyRows = imageOnly.length;
      for (let start = 0; start < imageOnly.length; start += BATCH_ROWS) {
        await flush(tx, imageOnly.slice(start, start + BATCH_ROWS), 'image_only');
      }
    }
  });
  const durationMs = Math.round(performance.now() - startedAt);
  log.info({ ...result, rejected: rejected.length, ms: durationMs }, 'products imported');
  return { ...result, rejected, durationMs };
}

/** Hashes and checks the images of text rows, recording a bad image on the row (text is still useful). */
async function attachImages(
  pending: { row: ProductValues; image: ImageFile; line: number }[],
  file: string,
  rejected: RejectedItem[],
): Promise<void> {
  await mapWithConcurrency(pending, IMAGE_CONCURRENCY, async ({ row, image, line }) => {
    const inspection = await inspectImage(image.file);
    Object.assign(row, imageColumns(image, inspection));
    if (!inspection.isValid) {
      rejected.push(
        imageReject(image, inspection, row.productid, `text row ${file}:${line} imported without it`),
      );
    }
  });
  pending.length = 0;
}

/** Labels the images that have no text row from ids_all.csv; unusable images are rejected, not stored. */
async function labelImageOnly(
  orphans: Map<number, ImageFile>,
  idsPath: string,
  rejected: RejectedItem[],
): Promise<ProductValues[]> {
  const labelled: { productid: number; image: ImageFile; index: number; label: string }[] = [];
  const found = new Set<number>();
  for await (const { fields } of readChallengeCsv(idsPath, IDS_COLUMNS)) {
    const productid = Number(fields.productid);
    const image = orphans.get(productid);
    if (image === undefined || found.has(productid)) continue;
    found.add(productid);
    labelled.push({ productid, image, index: Number(fields.index), label: fields.prdtypecode ?? '' });
  }
  for (const [productid, image] of orphans) {
    if (!found.has(productid)) {
      rejected.push({
        file: path.basename(image.file),
        productid,
        reason: 'missing_label',
        detail: `product not in ${path.basename(idsPath)}`,
      });
    }
  }
  const rows = await mapWithConcurrency(
    labelled,
    IMAGE_CONCURRENCY,
    async ({ productid, image, index, label }) => {
      const code = parseLabel(label);
      if ('reason' in code) {
        rejected.push({ file: path.basename(image.file), productid, ...code });
        return undefined;
      }
      const inspection = await inspectImage(image.file);
      if (!inspection.isValid) {
        rejected.push(imageReject(image, inspection, productid, 'image-only product not imported'));
        return undefined;
      }
      const row: ProductValues = {
        productid,
        imageid: image.imageid,
        source_index: index,
        designation: null,
        description: null,
        prdtypecode: code.code,
        source: 'challenge_image',
        ...imageColumns(image, inspection),
      };
      return row;
    },
  );
  return rows.filter((row): row is ProductValues => row !== undefined);
}
