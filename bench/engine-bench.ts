/**
 * npm run bench:engine — the engines side by side in one run: seconds per training step of the
 * reference LSTM, CNN and fusion models on wasm (1 and 2 threads) and on the native TensorFlow
 * engine (`rakuten-ml engine install`), each in a fresh process (bench/engine-step.ts) so peak RSS is
 * its own; written to reports/bench/engine.json and engine.md.
 * Env: BENCH_STEPS (timed steps after the first, default 8) · BENCH_THREADS (wasm thread counts,
 * default "1,2") · BENCH_MODELS (default "lstm,cnn,fusion"; "lstm-layers" is the unfused LSTM) ·
 * BENCH_ENGINES (default "wasm,tensorflow"; add "cpu" for the pure-JS backend, very slow) ·
 * BENCH_TIMEOUT_S (per measurement, default 600). The tensorflow rows need the engine installed
 * for the user running the bench (~/.cache/rakuten-ml/engine); without it they say why.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const steps = Number(process.env.BENCH_STEPS ?? 8);
const wasmThreads = (process.env.BENCH_THREADS ?? '1,2').split(',').map(Number);
const models = (process.env.BENCH_MODELS ?? 'lstm,cnn,fusion').split(',');
const engines = (process.env.BENCH_ENGINES ?? 'wasm,tensorflow').split(',');
const timeoutS = Number(process.env.BENCH_TIMEOUT_S ?? 600);
/** Step-time targets from the engine issue (#2): what makes a full-scale epoch practical on 2 cores. */
const TARGET_SECONDS: Record<string, number> = { lstm: 0.3, cnn: 1.0 };
/** Batch sizes engine-step uses, to turn s/step into a derived epoch time on the 14k-row sample. */
const BATCH: Record<string, number> = { lstm: 64, 'lstm-layers': 64, cnn: 32, fusion: 32 };
const SAMPLE_ROWS = 14_000;

interface Measurement {
  engine: string;
  backend: string | null;
  model: string;
  /** The column's thread count (wasm); the engine's own count is in engineThreads. */
  threads: number;
  engineThreads: number | null;
  secondsPerStep: number | null;
  cpuSecondsPerStep: number | null;
  firstStepSeconds: number | null;
  peakRssMb: number | null;
  timedOutAfterSeconds?: number;
  error?: string;
}

const label = (engine: string, threads: number) => (engine === 'wasm' ? `wasm ${threads}t` : engine);

async function measure(engine: string, model: string, threads: number): Promise<Measurement> {
  const stepsHere = engine === 'cpu' ? 1 : steps;
  process.stderr.write(`measuring ${model} on ${label(engine, threads)}, ${stepsHere} steps...\n`);
  const empty = { engine, backend: null, model, threads, engineThreads: null, secondsPerStep: null, cpuSecondsPerStep: null, firstStepSeconds: null, peakRssMb: null };
  try {
    const args = ['--import', 'tsx', 'bench/engine-step.ts', engine, model, String(stepsHere), String(threads)];
    const { stdout } = await run(process.execPath, args, {
      timeout: timeoutS * 1000,
      maxBuffer: 1 << 20,
      env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' },
    });
    const parsed = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Partial<Measurement> & { backend?: string };
    return { ...empty, ...parsed, engine, threads, engineThreads: parsed.threads ?? null };
  } catch (error: unknown) {
    if (error instanceof Error && 'killed' in error && error.killed) return { ...empty, timedOutAfterSeconds: timeoutS };
    const stderr = error instanceof Error && 'stderr' in error ? String(error.stderr) : String(error);
    const reason = stderr.split('\n').find((line) => line.includes('error') || line.includes('Error')) ?? stderr.split('\n')[0] ?? '';
    return { ...empty, error: reason.slice(0, 300) };
  }
}

const columns = engines.flatMap((engine) => (engine === 'wasm' ? wasmThreads.map((t) => ({ engine, threads: t })) : [{ engine, threads: 1 }]));
const measurements: Measurement[] = [];
for (const model of models) {
  for (const { engine, threads } of columns) measurements.push(await measure(engine, model, threads));
}

const find = (model: string, engine: string, threads: number) => measurements.find((m) => m.model === model && m.engine === engine && m.threads === threads);
const rows = models.map((model) => {
  const wasm = measurements.filter((m) => m.model === model && m.engine === 'wasm' && m.secondsPerStep !== null);
  const bestWasm = wasm.reduce<Measurement | undefined>((a, m) => (!a || (m.secondsPerStep ?? 0) < (a.secondsPerStep ?? 0) ? m : a), undefined);
  const native = measurements.find((m) => m.model === model && m.engine === 'tensorflow');
  const best = [bestWasm, native].filter((m): m is Measurement => m?.secondsPerStep != null).sort((a, b) => (a.secondsPerStep ?? 0) - (b.secondsPerStep ?? 0))[0];
  const stepsPerEpoch = Math.ceil(SAMPLE_ROWS / (BATCH[model] ?? 32));
  return {
    model,
    secondsPerStep: Object.fromEntries(columns.map(({ engine, threads }) => [label(engine, threads), find(model, engine, threads)?.secondsPerStep ?? null])),
    cpuSecondsPerStep: Object.fromEntries(columns.map(({ engine, threads }) => [label(engine, threads), find(model, engine, threads)?.cpuSecondsPerStep ?? null])),
    peakRssMb: Object.fromEntries(columns.map(({ engine, threads }) => [label(engine, threads), find(model, engine, threads)?.peakRssMb ?? null])),
    bestWasm: bestWasm ? { threads: bestWasm.threads, secondsPerStep: bestWasm.secondsPerStep } : null,
    tensorflowSpeedupOverBestWasm: native?.secondsPerStep && bestWasm?.secondsPerStep ? bestWasm.secondsPerStep / native.secondsPerStep : null,
    /** The same ratio in CPU seconds per step (lowest wasm CPU time over tensorflow's): less at the mercy of the machine's load. */
    tensorflowCpuSavingOverWasm: (() => {
      const wasmCpu = Math.min(...wasm.map((m) => m.cpuSecondsPerStep ?? Number.POSITIVE_INFINITY));
      return native?.cpuSecondsPerStep && Number.isFinite(wasmCpu) ? wasmCpu / native.cpuSecondsPerStep : null;
    })(),
    fastest: best ? label(best.engine, best.threads) : null,
    /** ceil(14,000 / batch) steps times the fastest s/step: derived, not a measured epoch. */
    derivedEpochSecondsOn14k: best?.secondsPerStep ? Math.round(stepsPerEpoch * best.secondsPerStep) : null,
    targetSeconds: TARGET_SECONDS[model] ?? null,
  };
});

const report = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.version, loadAverage: os.loadavg() },
  steps,
  models: {
    lstm: 'Embedding(10000,128) -> FusedLstm(128, seq) -> Dropout -> FusedLstm(64) -> Dropout -> BN -> Dense(128) -> BN -> Dense(64) -> Dropout -> Dense(27); batch 64, sequence 48, Adam',
    cnn: '64x64x3 -> [Conv(32,3)+MaxPool] -> [Conv(64,3)+MaxPool] -> [Conv(128,3)+MaxPool] -> Dense(27); batch 32, Adam',
    fusion: 'the LSTM text trunk + the CNN image blocks -> Dense(128) + presence flags -> Dense(128) -> Dense(27); batch 32, Adam',
  },
  rows,
  measurements,
};

const s = (v: number | null | undefined, digits = 3) => (v == null ? 'n/a' : v.toFixed(digits));
const heads = columns.map(({ engine, threads }) => label(engine, threads));
const table = [
  `| model | ${heads.map((h) => `${h} s/step (CPU s)`).join(' | ')} | tensorflow vs best wasm (wall / CPU) | ${heads.map((h) => `${h} peak RSS MB`).join(' | ')} | derived epoch on 14k rows | target |`,
  `|---|${heads.map(() => '---|').join('')}---|${heads.map(() => '---|').join('')}---|---|`,
  ...rows.map((r) => {
    const times = heads.map((h) => `${s(r.secondsPerStep[h], 2)} (${s(r.cpuSecondsPerStep[h], 2)})`).join(' | ');
    const rss = heads.map((h) => String(r.peakRssMb[h] ?? 'n/a')).join(' | ');
    const ratio = (v: number | null) => (v == null ? 'n/a' : `${v.toFixed(1)}x`);
    const speedup = `${ratio(r.tensorflowSpeedupOverBestWasm)} / ${ratio(r.tensorflowCpuSavingOverWasm)}`;
    const epoch = r.derivedEpochSecondsOn14k == null ? 'n/a' : `${(r.derivedEpochSecondsOn14k / 60).toFixed(1)} min (${r.fastest})`;
    return `| ${r.model} | ${times} | ${speedup} | ${rss} | ${epoch} | ${r.targetSeconds == null ? '-' : `<= ${r.targetSeconds}`} |`;
  }),
].join('\n');
const failures = measurements.filter((m) => m.error || m.timedOutAfterSeconds).map((m) => `- ${m.model} on ${label(m.engine, m.threads)}: ${m.error ?? `timed out after ${m.timedOutAfterSeconds} s`}`);
const dir = path.join('reports', 'bench');
await mkdir(dir, { recursive: true });
await writeFile(path.join(dir, 'engine.json'), `${JSON.stringify(report, null, 2)}\n`);
const header = `${report.machine.cpus} CPUs (${report.machine.cpuModel}), Node ${report.machine.node}, median of ${steps} steps after the first, load average at the end ${report.machine.loadAverage.map((l) => l.toFixed(2)).join(' ')}`;
const native = measurements.find((m) => m.engine === 'tensorflow' && m.engineThreads !== null);
const note = [
  's/step is the median wall time of a training step; (CPU s) the CPU time this process used per step, steadier on a busy machine.',
  native ? `tensorflow runs with ${native.engineThreads} threads (TensorFlow's own pool, one per core).` : '',
  'The epoch column is derived (steps of one epoch x the fastest s/step), not a measured epoch.',
].filter(Boolean).join(' ');
const body = `${header}\n\n${table}\n\n${note}${failures.length > 0 ? `\n\nNot measured:\n${failures.join('\n')}` : ''}\n`;
await writeFile(path.join(dir, 'engine.md'), `# Engine bench, ${report.date}\n\n${body}`);
console.log(`${body}\nwritten: ${dir}/engine.json, ${dir}/engine.md`);
