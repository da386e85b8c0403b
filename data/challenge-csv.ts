import { closeSync, createReadStream, existsSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { CsvError, parse } from 'csv-parse';
import { InputError } from '../core/index.js';

/** One CSV record with its 1-based line number, keyed by header name (the index column is `index`). */
export interface CsvRecord {
  line: number;
  fields: Record<string, string>;
}

export function assertFileExists(file: string, what: string): void {
  if (!existsSync(file)) {
    throw new InputError('DATA_FILE_MISSING', `${what} not found: ${file}`, {
      hint: 'Pass the path with the flag, or set RAKUTEN_DATA_DIR to the folder with the challenge files.',
    });
  }
}

/**
 * Streams a challenge CSV (pandas `to_csv` format: unnamed index column first, RFC 4180 quoting)
 * and checks the header holds `required` before yielding the first row.
 */
const HEADER_PEEK_BYTES = 64 * 1024;

/**
 * Spreadsheet exports often use ';' (French locale) or tabs: csv-parse then fails deep in the file
 * with "Invalid Opening Quote". Looking at the header line first lets the error say what is wrong.
 */
function assertCommaSeparated(file: string): void {
  const fd = openSync(file, 'r');
  const buffer = Buffer.alloc(HEADER_PEEK_BYTES);
  let bytes: number;
  try {
    bytes = readSync(fd, buffer, 0, HEADER_PEEK_BYTES, 0);
  } finally {
    closeSync(fd);
  }
  const header = buffer.subarray(0, bytes).toString('utf8').split(/\r?\n/, 1)[0] ?? '';
  if (header.includes(',')) return;
  const found = header.includes(';') ? 'semicolons' : header.includes('\t') ? 'tabs' : undefined;
  if (found === undefined) return;
  throw new InputError(
    'DATA_CSV_DELIMITER',
    `${path.basename(file)} line 1: the header is separated by ${found}, expected commas`,
    { hint: 'Save the file as comma-separated CSV (pandas to_csv default), UTF-8; nothing was imported.' },
  );
}

export async function* readChallengeCsv(
  file: string,
  required: readonly string[],
): AsyncGenerator<CsvRecord> {
  assertCommaSeparated(file);
  const parser = createReadStream(file).pipe(parse({ bom: true, info: true, skip_empty_lines: true }));
  let header: string[] | undefined;
  try {
    for await (const entry of parser) {
      const { record, info } = entry as { record: string[]; info: { lines: number } };
      if (header === undefined) {
        // pandas writes the index column with an empty name; read it as "index".
        header = record.map((name, i) =>
          i === 0 && (name === '' || name === 'Unnamed: 0') ? 'index' : name,
        );
        const missing = required.filter((name) => !header?.includes(name));
        if (missing.length > 0) {
          throw new InputError(
            'DATA_CSV_COLUMN_MISSING',
            `${path.basename(file)} line 1 (header) has no ${missing.map((m) => `"${m}"`).join(', ')} column`,
            { hint: `Expected the official header: ,${required.filter((r) => r !== 'index').join(',')}` },
          );
        }
        continue;
      }
      const fields: Record<string, string> = {};
      header.forEach((name, i) => {
        fields[name] = record[i] ?? '';
      });
      yield { line: info.lines, fields };
    }
  } catch (error: unknown) {
    if (error instanceof CsvError) {
      throw new InputError(
        'DATA_CSV_MALFORMED',
        `${path.basename(file)} is not valid CSV: ${error.message}`,
        {
          hint: 'The file must be UTF-8 CSV as written by pandas to_csv; check the quoting near that line.',
          cause: error,
        },
      );
    }
    throw error;
  }
}
