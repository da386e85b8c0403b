/**
 * npm run bench:models — on the shared data with one fixed seeded split (seed 42): import, clean,
 * resize, split; score an independent scikit-learn reference (bench/sklearn-reference.py: TF-IDF
 * word 1-2 + char_wb 2-5, LinearSVC C=0.5) on exactly the same train/test split; then train and
 * evaluate each model kind in its own child process (bench/models-bench-one.ts), so its peak RSS is
 * its own. Test-split figures; tuning used validation only (issue 10).
 *
 * Env: RAKUTEN_DATA_DIR · BENCH_SCALE=full (default: X_train + X_train_titles, 83,787 rows) or
 * sample (X_train only) · BENCH_MODELS=a,b (default: every kind) · BENCH_HOME (default
 * ~/.cache/rakuten-ml-bench; data kept per scale, import reused, split always recomputed) ·
 * BENCH_REFERENCE=rerun (default: reuse the reference result of byte-identical split files) ·
 * BENCH_EPOCHS_SCALE (e.g. 0.25 for a quick run) · BENCH_VENV (default ~/.cache/rakuten-ml-bench-venv).
 * Two benches at once need two BENCH_HOME folders (each has its own database); their rows still
 * merge into the same table, which is re-read before every write.
 *
 * Rows merge by model kind into reports/bench/models.json and .md when the split sha and scale
 * match the file's (so several people can each bench their kinds); another split or scale starts a
 * fresh table. Each row keeps the reference F1 measured in its own run and its ratio to it.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, silentLogger } from '../core/index.js';
import {
  cleanProducts,
  importProducts,
  loadSplit,
  openDatabase,
  prepareImages,
  splitProducts,
} from '../data/index.js';
import { labelIndexOf, MODEL_KINDS, type ModelKind } from '../models/classifiers/classifier.js';
import { SHARED_DEFAULTS, TRAINING_DEFAULTS } from '../models/training-defaults.js';
import type { BenchJob, BenchJobResult } from './models-bench-one.js';

type Scale = 'full' | 'sample';

interface ReferenceResult {
  model: string;
  sklearnVersion: string;
  trainRows: number;
  testProducts: number;
  features: number;
  weightedF1: number;
  macroF1: number;
  accuracy: number;
  top3Accuracy: number;
  trainSeconds: number;
  inferenceMsPerProduct: number;
  peakRssMb: number;
}

interface BenchRow extends Omit<BenchJobResult, 'bundleDir'> {
  /** Weighted F1 of the scikit-learn reference measured in the same run, and this row's ratio to it. */
  referenceWeightedF1: number | null;
  ratioToReference: number | null;
  date: string;
  machine: string;
}

interface BenchReport {
  date: string;
  scale: Scale;
  data: { sha256: string; seed: number; counts: unknown };
  reference: (ReferenceResult & { date: string }) | { missing: string };
  rows: BenchRow[];
  lastRunSeconds: number;
}

const config = loadConfig(process.env);
if (!config.dataDir) throw new Error('Set RAKUTEN_DATA_DIR to the shared challenge data.');
const dataDir = config.dataDir;
const scaleEnv = process.env.BENCH_SCALE ?? 'full';
if (scaleEnv !== 'full' && scaleEnv !== 'sample')
  throw new Error(`BENCH_SCALE must be full or sample, not ${scaleEnv}`);
const scale: Scale = scaleEnv;
const home = path.resolve(
  process.env.BENCH_HOME ?? path.join(os.homedir(), '.cache', 'rakuten-ml-bench'),
  scale,
);
const venv = process.env.BENCH_VENV ?? path.join(os.homedir(), '.cache', 'rakuten-ml-bench-venv');
const isModelKind = (kind: string): kind is ModelKind => (MODEL_KINDS as readonly string[]).includes(kind);
const kinds = (process.env.BENCH_MODELS ?? MODEL_KINDS.join(',')).split(',').map((kind) => {
  const trimmed = kind.trim();
  if (!isModelKind(trimmed)) throw new Error(`unknown model kind ${trimmed} (${MODEL_KINDS.join(', ')})`);
  return trimmed;
});
const epochsScale = Number(process.env.BENCH_EPOCHS_SCALE ?? 1);
// Fusion trains both trunks on every product: fewer epochs and 32 tokens keep it within budget.
// (fusion now defaults to the head over trained parts, seconds per epoch: no override.)
const EPOCHS_OVERRIDE: Partial<Record<ModelKind, number>> = { lstm: 4, cnn: 20 };
const OPTIONS_OVERRIDE: Partial<Record<ModelKind, Record<string, unknown>>> = {
  fusion: { sequenceLength: 32 },
};
const machine = `${os.cpus().length} CPUs ${os.cpus()[0]?.model ?? ''}, load ${os.loadavg()[0]?.toFixed(1)}, node ${process.version}`;
const log = silentLogger();
const reportDir = path.join('reports', 'bench');

const started = performance.now();
await mkdir(home, { recursive: true });
const db = await openDatabase({ home });
const textFiles = [
  {
    xPath: path.join(dataDir, 'X_train.csv'),
    yPath: path.join(dataDir, 'Y_train.csv'),
    source: 'challenge' as const,
  },
  ...(scale === 'full'
    ? [
        {
          xPath: path.join(dataDir, 'X_train_titles.csv'),
          yPath: path.join(dataDir, 'Y_train_titles.csv'),
          source: 'challenge_titles' as const,
        },
      ]
    : []),
];
await importProducts(
  {
    textFiles,
    imageDir: path.join(dataDir, 'images', 'image_train'),
    idsPath: path.join(dataDir, 'ids_all.csv'),
  },
  { db, log },
);
await cleanProducts({}, { db, log });
// 224 px for the pretrained backbones (image-transfer, and the fusion / late fusion built on it).
await prepareImages(
  { cacheDir: path.join(home, 'images'), sizesPx: [SHARED_DEFAULTS.imageSizePx, 224] },
  { db, log },
);
// Always split again: the split code may have changed since this home was made (never a stale split).
const split = await splitProducts({ seed: 42, manifestDir: path.join(home, 'splits') }, { db, log });
const sha = split.manifest.dataSha256;
process.stderr.write(`data ready in ${seconds(started)} s (scale ${scale}, split ${sha.slice(0, 12)})\n`);

// The reference reads exactly our cleaned texts and labels of the train and test splits.
const referenceDir = path.join(home, 'reference');
await mkdir(referenceDir, { recursive: true });
for (const name of ['train', 'test'] as const) {
  const rows = (await loadSplit(db, { split: name, modality: 'text' })).filter((r) => r.text);
  const lines = rows.map((r) => JSON.stringify({ text: r.text, label: labelIndexOf(r.label) }));
  await writeFile(path.join(referenceDir, `${name}.jsonl`), `${lines.join('\n')}\n`);
}
await db.close();

let report = await previousReport();
// Rows this run measured; rows of others (another helper's run on the same split) are re-read before each write.
const ownRows = new Map<ModelKind, BenchRow>();
const reference = await runReference();
if ('missing' in reference) process.stderr.write(`reference missing: ${reference.missing}\n`);
else
  process.stderr.write(
    `reference: test weighted F1 ${reference.weightedF1.toFixed(4)} in ${reference.trainSeconds.toFixed(0)} s\n`,
  );
report.reference = reference;
await writeReport();

const bundleOf = (kind: ModelKind) => path.join(home, 'bundles', kind);
/** The strongest text kind trained in this home: text-svm, else tfidf-char, else tfidf. */
const bestTextKind = (): ModelKind =>
  (['text-svm', 'tfidf-char'] as const).find((kind) => existsSync(path.join(bundleOf(kind), 'manifest.json'))) ??
  'tfidf';
for (const kind of kinds) {
  process.stderr.write(`training ${kind}...\n`);
  const defaults = TRAINING_DEFAULTS[kind];
  const resultPath = path.join(home, `result-${kind}.json`);
  const job: BenchJob = {
    kind,
    home,
    epochs: Math.max(1, Math.round((EPOCHS_OVERRIDE[kind] ?? defaults.epochs) * epochsScale)),
    options: OPTIONS_OVERRIDE[kind] ?? {},
    // Fusion and late fusion combine this home's best text bundle and best image bundle (trained earlier, same split).
    componentBundles: {
      text: bundleOf(bestTextKind()),
      image: bundleOf(existsSync(bundleOf('image-transfer')) ? 'image-transfer' : 'cnn'),
    },
    dataSha256: sha,
    resultPath,
  };
  const code = await runChild(process.execPath, [
    '--import',
    'tsx',
    path.join('bench', 'models-bench-one.ts'),
    JSON.stringify(job),
  ]);
  if (code !== 0) {
    process.stderr.write(`  ${kind} failed (exit ${code}); no row written\n`);
    continue;
  }
  const { bundleDir, ...result } = JSON.parse(await readFile(resultPath, 'utf8')) as BenchJobResult;
  process.stderr.write(`  ${kind} bundle: ${bundleDir}\n`);
  const referenceF1 = 'missing' in reference ? null : reference.weightedF1;
  const row: BenchRow = {
    ...result,
    referenceWeightedF1: referenceF1,
    ratioToReference: referenceF1 === null ? null : result.weightedF1 / referenceF1,
    date: new Date().toISOString(),
    machine,
  };
  ownRows.set(kind, row);
  process.stderr.write(
    `  ${kind}: test weighted F1 ${row.weightedF1.toFixed(4)} (ratio ${row.ratioToReference?.toFixed(3) ?? 'n/a'}) in ${row.trainSeconds.toFixed(0)} s, peak RSS ${row.trainPeakRssMb.toFixed(0)} MB\n`,
  );
  await writeReport();
}
await writeReport();
console.log(`bench:models done in ${seconds(started)} s: ${reportDir}/models.json, ${reportDir}/models.md`);

function seconds(since: number): string {
  return ((performance.now() - since) / 1000).toFixed(0);
}

/** The committed table if it measured the same split at the same scale; otherwise a fresh one. */
async function previousReport(): Promise<BenchReport> {
  const fresh: BenchReport = {
    date: new Date().toISOString(),
    scale,
    data: { sha256: sha, seed: 42, counts: split.manifest.counts },
    reference: { missing: 'not run yet' },
    rows: [],
    lastRunSeconds: 0,
  };
  const file = path.join(reportDir, 'models.json');
  if (!existsSync(file)) return fresh;
  try {
    const old = JSON.parse(await readFile(file, 'utf8')) as Partial<BenchReport>;
    if (old.scale === scale && old.data?.sha256 === sha && Array.isArray(old.rows))
      return { ...fresh, rows: old.rows };
  } catch {
    // An unreadable table is replaced by this run's.
  }
  return fresh;
}

function runChild(command: string, args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', (error) => {
      process.stderr.write(`  cannot start ${command}: ${error.message}\n`);
      resolve(-1);
    });
    child.on('exit', (code) => resolve(code ?? -1));
  });
}

function runQuiet(command: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.on('error', (error) => resolve({ code: -1, output: error.message }));
    child.on('exit', (code) => resolve({ code: code ?? -1, output }));
  });
}

/** Creates the venv from PyPI if needed and scores the reference; why it is missing otherwise. */
async function runReference(): Promise<(ReferenceResult & { date: string }) | { missing: string }> {
  const python = path.join(venv, 'bin', 'python');
  if (!existsSync(python)) {
    const created = await runQuiet('python3', ['-m', 'venv', venv]);
    if (created.code !== 0)
      return { missing: `python3 -m venv failed: ${created.output.trim().slice(-300)}` };
  }
  const probe = await runQuiet(python, ['-c', 'import sklearn']);
  if (probe.code !== 0) {
    process.stderr.write(`installing scikit-learn into ${venv} from PyPI...\n`);
    const installed = await runQuiet(python, ['-m', 'pip', 'install', '--quiet', 'scikit-learn']);
    if (installed.code !== 0)
      return { missing: `pip install scikit-learn failed: ${installed.output.trim().slice(-300)}` };
  }
  // The reference is deterministic given its inputs: a run on byte-identical split files (same
  // texts, labels and script) reuses its result unless BENCH_REFERENCE=rerun; 17 minutes on 2 busy cores.
  const inputs = createHash('sha256');
  for (const file of ['train.jsonl', 'test.jsonl']) inputs.update(await readFile(path.join(referenceDir, file)));
  inputs.update(await readFile(path.join('bench', 'sklearn-reference.py')));
  const resultPath = path.join(referenceDir, `result-${inputs.digest('hex').slice(0, 16)}.json`);
  if (existsSync(resultPath) && process.env.BENCH_REFERENCE !== 'rerun') {
    const saved = JSON.parse(await readFile(resultPath, 'utf8')) as ReferenceResult & { date: string };
    process.stderr.write(`reference: reusing ${resultPath} (same split files, measured ${saved.date})\n`);
    return saved;
  }
  const ran = await runQuiet(python, [
    path.join('bench', 'sklearn-reference.py'),
    path.join(referenceDir, 'train.jsonl'),
    path.join(referenceDir, 'test.jsonl'),
    resultPath,
  ]);
  if (ran.code !== 0) return { missing: `reference failed: ${ran.output.trim().slice(-300)}` };
  const result = { ...(JSON.parse(await readFile(resultPath, 'utf8')) as ReferenceResult), date: new Date().toISOString() };
  await writeFile(resultPath, `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

/** Writes the merged table (after every model, so a long run keeps what it measured). */
async function writeReport(): Promise<void> {
  const others = (await previousReport()).rows.filter((r) => !ownRows.has(r.model));
  report = {
    ...report,
    rows: [...others, ...ownRows.values()],
    date: new Date().toISOString(),
    lastRunSeconds: (performance.now() - started) / 1000,
  };
  const f = (v: number | null, d = 4) => (v === null ? 'n/a' : v.toFixed(d));
  const order = (kind: ModelKind) => MODEL_KINDS.indexOf(kind);
  const rows = [...report.rows].sort((a, b) => order(a.model) - order(b.model));
  const ref = report.reference;
  const refLine =
    'missing' in ref
      ? `Reference (scikit-learn) missing: ${ref.missing}`
      : `Reference (${ref.model}, scikit-learn ${ref.sklearnVersion}, ${ref.features} features): test weighted F1 ${f(ref.weightedF1)}, macro F1 ${f(ref.macroF1)}, top-3 ${f(ref.top3Accuracy)} on ${ref.testProducts} products; train ${f(ref.trainSeconds, 1)} s, peak RSS ${f(ref.peakRssMb, 0)} MB, ${f(ref.inferenceMsPerProduct, 3)} ms/product (${ref.date}).`;
  const table = [
    '| model | test products | weighted F1 | ratio to reference (ref F1 of its run) | macro F1 | top-3 acc | ECE | weighted F1, text+image products | train s | train peak RSS MB | infer ms/product | size MB |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.model} | ${r.testProducts} | ${f(r.weightedF1)} | ${f(r.ratioToReference, 3)} (${f(r.referenceWeightedF1)}) | ${f(r.macroF1)} | ${f(r.top3Accuracy)} | ${f(r.ece)} | ${f(r.bothModalities.weightedF1)} (n=${r.bothModalities.products}) | ${f(r.trainSeconds, 1)} | ${f(r.trainPeakRssMb, 0)} | ${f(r.inferenceMsPerProduct, 2)} | ${f(r.sizeMb, 1)} |`,
    ),
  ].join('\n');
  const counts = split.manifest.counts;
  const header = [
    `Scale ${scale} (${counts.train.total} train / ${counts.validation.total} validation / ${counts.test.total} test products), split seed 42 (data ${sha.slice(0, 12)}).`,
    `Last run: ${machine}, ${report.lastRunSeconds.toFixed(0)} s. Each model trains in its own process; peak RSS is that process's by the end of training.`,
    '',
    refLine,
  ].join('\n');
  await mkdir(reportDir, { recursive: true });
  await writeFile(path.join(reportDir, 'models.json'), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(
    path.join(reportDir, 'models.md'),
    `# Model bench, ${report.date}\n\n${header}\n\n${table}\n`,
  );
}
