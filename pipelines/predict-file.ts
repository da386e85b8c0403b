import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { InputError, messageOf, type ProgressListener } from '../core/index.js';
import { countCsvRecords, type ProductFileRow, readProductFile } from '../data/index.js';
import type { Classifier, Modality } from '../models/classifiers/classifier.js';
import { type ProductScore, scoreProducts } from '../models/score-products.js';
import { type RankedClass, rankClasses } from '../serve/ranking.js';

export const PREDICT_FORMATS = ['submission', 'topk', 'jsonl'] as const;
export type PredictFormat = (typeof PREDICT_FORMATS)[number];

/** A loaded model, as serve's model set hands it out. */
export interface ChosenModel {
  name: string;
  version: string;
  classifier: Classifier;
}

/**
 * Picks the model for what a product has, as `serve` does (serve/model-set.ts satisfies this):
 * one that reads exactly those modalities, else one that reads them all, else any of them.
 */
export interface ModelChooser {
  use<T>(sent: readonly Modality[], fn: (model: ChosenModel) => Promise<T>): Promise<T | undefined>;
}

export interface PredictFileInput {
  /** Products CSV in the official X format (`,designation,description,productid,imageid`). */
  xCsv: string;
  /** Photos named `image_<imageid>_product_<productid>.jpg`; without it, text only. */
  imageDir?: string | undefined;
  /** A file path (written to a temp file, renamed when complete) or an open stream (stdout). */
  output: { path: string } | { stream: Writable };
  format: PredictFormat;
  /** Classes per product in `topk` and `jsonl`. */
  k: number;
  /** Rows read, scored and written at a time: memory stays flat whatever the file's size. */
  chunkRows?: number;
}

/** A row that got an empty prediction, or was scored without its broken photo. */
export interface RowIssue {
  index: string;
  line: number;
  reason: string;
  /** True when the row was still scored (from its text, the photo being unreadable). */
  isScored: boolean;
}

export interface PredictFileDeps {
  models: ModelChooser;
  onProgress?: ProgressListener;
  /** Called for every row that could not be scored, or lost its photo, as it happens. */
  onRowIssue?: (issue: RowIssue) => void;
}

export interface PredictFileResult {
  rows: number;
  scored: number;
  /** Rows written with an empty prediction (see onRowIssue for each index and reason). */
  unscored: number;
  /** Rows scored from text because their photo could not be decoded. */
  imageUnreadable: number;
  /** Scored rows by what the model read of them. */
  byModality: Record<'text' | 'image' | 'both', number>;
  /** The models used, with how many rows each scored. */
  models: { name: string; version: string; kind: string; rows: number }[];
  format: PredictFormat;
  out: string | null;
  durationMs: number;
  rowsPerSecond: number;
}

const DEFAULT_CHUNK_ROWS = 1024;

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** A row's score with the label order of the model that gave it. */
interface Scored {
  score: ProductScore;
  labels: readonly number[];
}

interface RowPrediction {
  row: ProductFileRow;
  ranked: RankedClass[];
  modality: 'text' | 'image' | 'both' | null;
  error: string | null;
}

function headerOf(format: PredictFormat, k: number): string {
  if (format === 'jsonl') return '';
  // The challenge's format: pandas' unnamed index column, then prdtypecode.
  if (format === 'submission') return ',prdtypecode\n';
  const top = Array.from({ length: k }, (_, i) => `code_${i + 1},name_${i + 1},probability_${i + 1}`);
  return `,prdtypecode,modality,${top.join(',')},error\n`;
}

function lineOf(format: PredictFormat, k: number, p: RowPrediction): string {
  const best = p.ranked[0]?.prdtypecode;
  if (format === 'submission') return `${csvField(p.row.index)},${best ?? ''}\n`;
  if (format === 'jsonl') {
    return `${JSON.stringify({
      index: p.row.index,
      productid: p.row.productid,
      prdtypecode: best ?? null,
      modality: p.modality,
      predictions: p.ranked.map((r) => ({ prdtypecode: r.prdtypecode, name: r.name, probability: Number(r.probability.toFixed(6)) })),
      error: p.error,
    })}\n`;
  }
  const top = Array.from({ length: k }, (_, i) => {
    const r = p.ranked[i];
    return r ? `${r.prdtypecode},${csvField(r.name)},${r.probability.toFixed(6)}` : ',,';
  });
  return `${csvField(p.row.index)},${best ?? ''},${p.modality ?? ''},${top.join(',')},${csvField(p.error ?? '')}\n`;
}

function modalityName(read: readonly Modality[]): 'text' | 'image' | 'both' {
  if (read.length === 2) return 'both';
  return read[0] === 'image' ? 'image' : 'text';
}

async function writeChunk(stream: Writable, text: string): Promise<void> {
  if (stream.write(text)) return;
  await new Promise<void>((resolve, reject) => {
    const onError = (error: unknown) => {
      stream.off('drain', onDrain);
      reject(error);
    };
    const onDrain = () => {
      stream.off('error', onError);
      resolve();
    };
    stream.once('drain', onDrain);
    stream.once('error', onError);
  });
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * `rakuten-ml predict`: scores a products CSV chunk by chunk with the model that fits what each
 * product has, and writes one prediction per input row in the input's order. A row that cannot be
 * scored gets an explicit empty prediction and an onRowIssue call; it never stops the run.
 * @example await predictFile({ xCsv, imageDir, output: { path: 'preds.csv' }, format: 'submission', k: 3 }, { models });
 */
export async function predictFile(input: PredictFileInput, deps: PredictFileDeps): Promise<PredictFileResult> {
  const started = performance.now();
  const total = await countCsvRecords(input.xCsv);
  const chunkRows = input.chunkRows ?? DEFAULT_CHUNK_ROWS;
  const outPath = 'path' in input.output ? path.resolve(input.output.path) : null;
  // The temp file sits beside the target so the final rename stays on one file system (atomic).
  const tempPath = outPath ? path.join(path.dirname(outPath), `.${path.basename(outPath)}.${randomUUID()}.tmp`) : null;
  const stream = tempPath ? createWriteStream(tempPath, { flags: 'wx' }) : 'stream' in input.output ? input.output.stream : null;
  if (stream === null) throw new Error('predictFile needs an output path or stream');
  if (tempPath) {
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', (error: unknown) =>
        reject(
          new InputError('DATA_FILE_MISSING', `Cannot write ${outPath}: ${messageOf(error)}`, {
            hint: 'Check that the --out folder exists and is writable.',
            cause: error,
          }),
        ),
      );
    });
  }
  const result: PredictFileResult = {
    rows: 0,
    scored: 0,
    unscored: 0,
    imageUnreadable: 0,
    byModality: { text: 0, image: 0, both: 0 },
    models: [],
    format: input.format,
    out: outPath,
    durationMs: 0,
    rowsPerSecond: 0,
  };
  const countModel = (model: ChosenModel, rows: number) => {
    const seen = result.models.find((m) => m.name === model.name && m.version === model.version);
    if (seen) seen.rows += rows;
    else result.models.push({ name: model.name, version: model.version, kind: model.classifier.kind, rows });
  };
  try {
    await writeChunk(stream, headerOf(input.format, input.k));
    for await (const rows of readProductFile(input.xCsv, { imageDir: input.imageDir, chunkRows })) {
      const scores: (Scored | undefined)[] = new Array(rows.length);
      // Group the chunk by what each row has, so each group goes to its model in one batch.
      const groups = new Map<string, { sent: Modality[]; members: number[] }>();
      rows.forEach((row, i) => {
        const sent: Modality[] = [...(row.text ? (['text'] as const) : []), ...(row.imagePath ? (['image'] as const) : [])];
        const group = groups.get(sent.join('+')) ?? { sent, members: [] };
        group.members.push(i);
        groups.set(sent.join('+'), group);
      });
      for (const { sent, members } of groups.values()) {
        const used =
          sent.length === 0
            ? undefined
            : await deps.models.use(sent, async (model) => {
                const got = await scoreProducts(
                  model.classifier,
                  members.map((i) => ({ text: rows[i]?.text || null, image: rows[i]?.imagePath ?? null })),
                );
                countModel(model, got.filter((g) => g.isScored).length);
                return got.map((score) => ({ score, labels: model.classifier.labels }));
              });
        members.forEach((i, j) => {
          scores[i] = used?.[j] ?? {
            score: { isScored: false, reason: sent.length === 0 ? 'no text and no image' : `no model reads ${sent.join(' and ')}` },
            labels: [],
          };
        });
      }
      let text = '';
      rows.forEach((row, i) => {
        const { score, labels } = scores[i] ?? { score: { isScored: false, reason: 'not scored' }, labels: [] };
        let prediction: RowPrediction;
        if (score.isScored) {
          const modality = modalityName(score.read);
          result.scored++;
          result.byModality[modality]++;
          if (score.imageError !== undefined) {
            result.imageUnreadable++;
            deps.onRowIssue?.({ index: row.index, line: row.line, reason: `image unreadable, scored from text: ${score.imageError}`, isScored: true });
          }
          prediction = { row, ranked: rankClasses(score.probabilities, labels, { k: input.k }), modality, error: null };
        } else {
          result.unscored++;
          deps.onRowIssue?.({ index: row.index, line: row.line, reason: score.reason, isScored: false });
          prediction = { row, ranked: [], modality: null, error: score.reason };
        }
        text += lineOf(input.format, input.k, prediction);
      });
      await writeChunk(stream, text);
      result.rows += rows.length;
      const seconds = (performance.now() - started) / 1000;
      const rate = result.rows / Math.max(seconds, 1e-3);
      deps.onProgress?.({
        stage: 'predict',
        done: result.rows,
        total: Math.max(total, result.rows),
        detail: `${Math.round(rate)} rows/s, ETA ${formatDuration((total - result.rows) / rate)}`,
      });
    }
    if (tempPath && outPath) {
      stream.end();
      await finished(stream);
      await rename(tempPath, outPath);
    }
  } catch (error: unknown) {
    if (tempPath) {
      stream.destroy();
      await rm(tempPath, { force: true });
    }
    throw error;
  }
  result.durationMs = Math.round(performance.now() - started);
  result.rowsPerSecond = Math.round((result.rows / Math.max(result.durationMs, 1)) * 1000);
  return result;
}
