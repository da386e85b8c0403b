import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { CsvError, parse } from 'csv-parse';
import { InputError, messageOf } from '../core/index.js';
import { CATEGORIES } from './categories.js';
import { assertFileExists, readChallengeCsv } from './challenge-csv.js';
import { joinProductText } from './clean-text.js';

/** One product of a products CSV (the official X format), ready for a model. */
export interface ProductFileRow {
  /** The X file's index column, as written (it goes back out unchanged in a submission). */
  index: string;
  /** 1-based line of the CSV where the record ends (for messages). */
  line: number;
  productid: string;
  imageid: string;
  /** Title . description, cleaned exactly as `data clean` cleans training text; '' when both are empty. */
  text: string;
  /** The product's photo in the image folder, or null when there is no folder or no such file. */
  imagePath: string | null;
}

export interface ReadProductFileOptions {
  /** Folder in the official layout: `image_<imageid>_product_<productid>.jpg`. */
  imageDir?: string | undefined;
  /** Rows per chunk; the reader holds one chunk at a time. */
  chunkRows: number;
}

// designation and description are the text; productid and imageid find the photo. A file of titles
// only (X_train_titles.csv) has an empty description column, which is fine.
const X_COLUMNS = ['index', 'designation', 'description', 'productid', 'imageid'] as const;

/** The file names of an image folder, read once so 84k lookups cost no system call each. */
async function listImageNames(imageDir: string): Promise<Set<string>> {
  try {
    const entries = await readdir(imageDir, { withFileTypes: true });
    return new Set(entries.filter((e) => e.isFile()).map((e) => e.name));
  } catch (error: unknown) {
    throw new InputError('DATA_FILE_MISSING', `Cannot list the image folder ${imageDir}: ${messageOf(error)}`, {
      hint: 'Pass --images <dir> with the photos named image_<imageid>_product_<productid>.jpg (e.g. image_test/).',
      cause: error,
    });
  }
}

/** How many records a CSV holds (header excluded), read as a stream: gives progress its total. */
export async function countCsvRecords(file: string): Promise<number> {
  assertFileExists(file, 'Products file');
  let records = -1;
  const parser = createReadStream(file).pipe(parse({ bom: true, skip_empty_lines: true, relax_column_count: true }));
  try {
    for await (const _record of parser) records++;
  } catch (error: unknown) {
    if (!(error instanceof CsvError)) throw error;
    throw new InputError('DATA_CSV_MALFORMED', `${path.basename(file)} is not valid CSV: ${error.message}`, {
      hint: 'The file must be UTF-8 CSV as written by pandas to_csv; check the quoting near that line.',
      cause: error,
    });
  }
  return Math.max(0, records);
}

/**
 * Streams a products CSV in chunks of `chunkRows`: the text cleaned as in training and the photo
 * found by name in `imageDir`. A whole file never sits in memory, so it scales to the 84k-row set.
 * @example for await (const rows of readProductFile('X_test_update.csv', { imageDir, chunkRows: 1024 })) …
 */
export async function* readProductFile(
  file: string,
  options: ReadProductFileOptions,
): AsyncGenerator<ProductFileRow[]> {
  assertFileExists(file, 'Products file');
  const imageNames = options.imageDir === undefined ? undefined : await listImageNames(options.imageDir);
  let chunk: ProductFileRow[] = [];
  for await (const { line, fields } of readChallengeCsv(file, X_COLUMNS)) {
    const productid = (fields.productid ?? '').trim();
    const imageid = (fields.imageid ?? '').trim();
    const name = `image_${imageid}_product_${productid}.jpg`;
    chunk.push({
      index: fields.index ?? '',
      line,
      productid,
      imageid,
      text: joinProductText(fields.designation ?? null, fields.description ?? null),
      imagePath:
        options.imageDir !== undefined && imageNames?.has(name) === true ? path.join(options.imageDir, name) : null,
    });
    if (chunk.length >= options.chunkRows) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

/** The index column of a CSV, in file order: what a label file must match. */
export async function readIndexColumn(file: string): Promise<{ index: string; line: number }[]> {
  assertFileExists(file, 'Products file');
  const out: { index: string; line: number }[] = [];
  for await (const { line, fields } of readChallengeCsv(file, ['index'])) out.push({ index: fields.index ?? '', line });
  return out;
}

const KNOWN_CODES = new Set(CATEGORIES.map((c) => c.code));

/**
 * Reads a label file (`,prdtypecode`) keyed by its index column. A code outside the 27 categories,
 * or an index given twice, is a broken file: it names the file and line.
 */
export async function readLabelFile(file: string): Promise<Map<string, { code: number; line: number }>> {
  assertFileExists(file, 'Labels file');
  const labels = new Map<string, { code: number; line: number }>();
  const name = path.basename(file);
  for await (const { line, fields } of readChallengeCsv(file, ['index', 'prdtypecode'])) {
    const raw = (fields.prdtypecode ?? '').trim();
    const code = Number(raw);
    if (!/^\d+$/.test(raw) || !KNOWN_CODES.has(code)) {
      throw new InputError('DATA_LABEL_UNKNOWN', `${name} line ${line}: prdtypecode "${raw}" is not one of the 27 categories.`, {
        hint: 'Each prdtypecode must be one of the 27 challenge codes (see `rakuten-ml doctor` or data/categories.ts).',
      });
    }
    const index = fields.index ?? '';
    const seen = labels.get(index);
    if (seen) {
      throw new InputError('EVALUATE_LABELS_MISMATCH', `${name} gives index ${index} twice (lines ${seen.line} and ${line}).`, {
        hint: 'A label file has one row per product of the X file, keyed by the same index column.',
      });
    }
    labels.set(index, { code, line });
  }
  return labels;
}
