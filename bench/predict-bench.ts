/**
 * npm run bench:predict — batch scoring throughput of `rakuten-ml predict` (pipelines/predict-file.ts):
 * rows/s and peak RSS for text-only rows (X_train.csv, no photos) and text+image rows (the X_train
 * rows whose photo is in images/image_train). Written to reports/bench/predict.json.
 * BENCH_TEXT_MODEL: a text bundle; BENCH_MODEL: a text+image bundle (default for both: the tiny
 * real fixture the serve tests build). BENCH_PREDICT_ROWS: cap on text-only rows (default all).
 */
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse';
import { loadConfig, silentLogger } from '../core/index.js';
import { useBackend } from '../models/engine/index.js';
import { loadClassifier } from '../models/load-classifier.js';
import { predictFile } from '../pipelines/predict-file.js';
import { loadModelSet, resolveLocalBundle } from '../serve/index.js';
import { buildServeFixture, type ServeFixture } from '../test/support/serve-fixtures.js';

const dataDir = loadConfig(process.env).dataDir;
if (!dataDir) throw new Error('Set RAKUTEN_DATA_DIR to the folder with X_train.csv and images/image_train.');
const imageDir = path.join(dataDir, 'images', 'image_train');
const maxRows = Number(process.env.BENCH_PREDICT_ROWS ?? Number.POSITIVE_INFINITY);

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** Writes the X_train rows to score: the first maxRows, or those whose photo is in imageDir. */
async function writeRows(file: string, keep: (record: string[], kept: number) => boolean): Promise<number> {
  const lines: string[] = [];
  let kept = 0;
  let header = true;
  for await (const record of createReadStream(path.join(dataDir ?? '', 'X_train.csv')).pipe(parse({ bom: true }))) {
    const fields = record as string[];
    if (header || keep(fields, kept)) {
      lines.push(fields.map(csvField).join(','));
      if (!header) kept++;
    }
    header = false;
  }
  await writeFile(file, `${lines.join('\n')}\n`);
  return kept;
}

async function run(name: string, modelDir: string, xCsv: string, withImages: boolean) {
  const models = await loadModelSet({ refs: { model: modelDir }, resolve: resolveLocalBundle, load: loadClassifier, log: silentLogger() });
  const rssBefore = process.memoryUsage().rss;
  // CPU time as well as wall time: on a shared machine wall time mostly measures the other jobs.
  const cpuBefore = process.cpuUsage();
  try {
    const result = await predictFile(
      { xCsv, imageDir: withImages ? imageDir : undefined, output: { path: path.join(path.dirname(xCsv), `${name}.csv`) }, format: 'submission', k: 3 },
      { models },
    );
    const cpu = process.cpuUsage(cpuBefore);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    return {
      name,
      model: result.models.map((m) => m.kind).join('+'),
      rows: result.rows,
      scored: result.scored,
      byModality: result.byModality,
      seconds: Math.round(result.durationMs) / 1000,
      rowsPerSecond: result.rowsPerSecond,
      cpuSeconds: Math.round(cpuSeconds * 100) / 100,
      rowsPerCpuSecond: Math.round(result.rows / Math.max(1e-3, cpuSeconds)),
      rssMbBefore: Math.round(rssBefore / 2 ** 20),
      rssMbAfter: Math.round(process.memoryUsage().rss / 2 ** 20),
      peakRssMbSoFar: Math.round(process.resourceUsage().maxRSS / 1024),
    };
  } finally {
    models.dispose();
  }
}

let fixture: ServeFixture | undefined;
const work = await mkdtemp(path.join(os.tmpdir(), 'rakuten-predict-bench-'));
try {
  const engine = await useBackend({ preference: loadConfig(process.env).engine.backend });
  if (!process.env.BENCH_TEXT_MODEL || !process.env.BENCH_MODEL) fixture = await buildServeFixture();
  const textModel = process.env.BENCH_TEXT_MODEL ?? fixture?.textBundle ?? '';
  const imageModel = process.env.BENCH_MODEL ?? fixture?.fusionBundle ?? '';
  const photos = new Set(await readdir(imageDir));
  const textCsv = path.join(work, 'text.csv');
  const imageCsv = path.join(work, 'text-image.csv');
  await writeRows(textCsv, (_record, kept) => kept < maxRows);
  // X columns: index, designation, description, productid, imageid.
  await writeRows(imageCsv, (record) => photos.has(`image_${record[4]}_product_${record[3]}.jpg`));
  const runs = [await run('text-only', textModel, textCsv, false), await run('text+image', imageModel, imageCsv, true)];
  const report = {
    createdAt: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.version, loadAverage1m: os.loadavg()[0] },
    engine: { backend: engine.backend, threads: engine.threads },
    models: {
      text: process.env.BENCH_TEXT_MODEL ?? 'tiny fixture: TF-IDF (60 rows)',
      textImage: process.env.BENCH_MODEL ?? 'tiny fixture: late fusion of TF-IDF (60 rows) and a 2-block CNN at 32 px',
    },
    runs,
  };
  await mkdir('reports/bench', { recursive: true });
  await writeFile('reports/bench/predict.json', `${JSON.stringify(report, null, 2)}\n`);
  console.table(runs.map((r) => ({ run: r.name, model: r.model, rows: r.rows, 'rows/s': r.rowsPerSecond, 'rows/CPU-s': r.rowsPerCpuSecond, 'peak RSS MB': r.peakRssMbSoFar })));
  console.log(`load average (1 min) at the end: ${report.machine.loadAverage1m?.toFixed(1)} on ${report.machine.cpus} cores`);
} finally {
  fixture?.cleanup();
  await rm(work, { recursive: true, force: true });
}
