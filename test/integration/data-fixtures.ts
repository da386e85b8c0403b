import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A fresh temp folder for one test. */
export function makeTempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), `rakuten-${prefix}-`));
}

/** The first `rows` lines of a real CSV (header included), written to `dir/name`. */
export function headOfCsv(source: string, rows: number, dir: string, name: string): string {
  // The shared X/Y files have no newline inside quoted fields in their first rows; the test checks the count.
  const lines = readFileSync(source, 'utf8')
    .split('\n')
    .slice(0, rows + 1);
  const file = path.join(dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** Copies `count` real images (every n-th of the sorted folder, so several classes) into a new folder. */
export function copySomeImages(imageDir: string, count: number, dir: string): string {
  const names = readdirSync(imageDir).sort();
  const step = Math.max(1, Math.floor(names.length / count));
  const out = path.join(dir, 'images');
  mkdirSync(out, { recursive: true });
  for (let i = 0; i < names.length && i / step < count; i += step) {
    const name = names[i];
    if (name) copyFileSync(path.join(imageDir, name), path.join(out, name));
  }
  return out;
}

/** A tiny valid PNG (1x1 red pixel). */
export const RED_PIXEL_PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763f8cfc0000003010100c9fe92ef0000000049454e44ae426082',
  'hex',
);
