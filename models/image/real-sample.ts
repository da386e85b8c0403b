import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { joinProductText, type SplitRow } from '../../data/index.js';

/**
 * Test support: labelled rows built straight from the shared challenge sample (no database), so
 * the image and fusion model tests train on real photos and real seller text.
 */
export interface RealSampleOptions {
  /** The challenge data folder (`loadConfig(process.env).dataDir`). */
  dataDir: string;
  /** prdtypecodes to draw from, in this order. */
  labels: readonly number[];
  /** Rows per label that have both a photo and a text. */
  withBoth: number;
  /** Rows per label with a photo only (text null). */
  imageOnly: number;
  /** Rows per label with a text only (imagePath null). */
  textOnly: number;
}

const IMAGE_NAME = /^image_(\d+)_product_(\d+)\.jpg$/;

async function readTexts(dataDir: string): Promise<Map<number, { label: number; text: string }>> {
  const parseCsv = (raw: Buffer) =>
    parse(raw, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  const xs = parseCsv(await readFile(path.join(dataDir, 'X_train.csv')));
  const ys = parseCsv(await readFile(path.join(dataDir, 'Y_train.csv')));
  const texts = new Map<number, { label: number; text: string }>();
  xs.forEach((x, i) => {
    const text = joinProductText(x.designation ?? null, x.description ?? null);
    const label = Number(ys[i]?.prdtypecode);
    if (text) texts.set(Number(x.productid), { label, text });
  });
  return texts;
}

async function readImageLabels(dataDir: string): Promise<Map<number, number>> {
  const labels = new Map<number, number>();
  const lines = (await readFile(path.join(dataDir, 'ids_all.csv'), 'utf8')).split('\n').slice(1);
  for (const line of lines) {
    const [, productid, , code] = line.split(',');
    if (productid && code) labels.set(Number(productid), Number(code));
  }
  return labels;
}

/** Real rows in label order: for each label, `withBoth` then `imageOnly` then `textOnly` rows. */
export async function loadRealSampleRows(options: RealSampleOptions): Promise<SplitRow[]> {
  const imageDir = path.join(options.dataDir, 'images', 'image_train');
  const texts = await readTexts(options.dataDir);
  const imageLabels = await readImageLabels(options.dataDir);
  const images = new Map<number, string>();
  for (const name of (await readdir(imageDir)).sort()) {
    const match = IMAGE_NAME.exec(name);
    if (match?.[2]) images.set(Number(match[2]), path.join(imageDir, name));
  }
  const rows: SplitRow[] = [];
  for (const label of options.labels) {
    const both = [...images].filter(([id]) => texts.get(id)?.label === label).slice(0, options.withBoth);
    const photoOnly = [...images].filter(([id]) => !texts.has(id) && imageLabels.get(id) === label);
    const textOnly = [...texts].filter(([id, t]) => t.label === label && !images.has(id));
    for (const [productid, imagePath] of both) {
      rows.push({ productid, label, text: texts.get(productid)?.text ?? null, imagePath });
    }
    for (const [productid, imagePath] of photoOnly.slice(0, options.imageOnly)) {
      rows.push({ productid, label, text: null, imagePath });
    }
    for (const [productid, t] of textOnly.slice(0, options.textOnly)) {
      rows.push({ productid, label, text: t.text, imagePath: null });
    }
  }
  return rows;
}
