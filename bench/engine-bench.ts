/**
 * npm run bench:engine — seconds per training step of the reference LSTM and CNN on wasm (single
 * and multi-threaded) and on the pure-JS cpu backend, each in a fresh process (so peak RSS is its
 * own), written to reports/bench/engine.json and engine.md.
 * Env: BENCH_STEPS (wasm steps, default 10) · BENCH_THREADS (wasm thread counts, default "1,2") ·
 * BENCH_CPU_TIMEOUT_S (default 300: one cpu LSTM step takes longer and over 10 GB of memory, so a
 * timeout is reported as a lower bound).
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const wasmSteps = Number(process.env.BENCH_STEPS ?? 10);
const wasmThreads = (process.env.BENCH_THREADS ?? '1,2').split(',').map(Number);
const cpuTimeoutS = Number(process.env.BENCH_CPU_TIMEOUT_S ?? 300);
const TARGET_SECONDS: Record<string, number> = { lstm: 0.3, cnn: 1.0 };
const MODELS = ['lstm', 'cnn'] as const;

interface Measurement {
  backend: string;
  model: string;
  threads: number;
  secondsPerStep: number | null;
  firstStepSeconds: number | null;
  peakRssMb: number | null;
  /** Set when the run did not finish: the step takes longer than this. */
  timedOutAfterSeconds?: number;
  error?: string;
}

async function measure(backend: string, model: string, steps: number, threads: number, timeoutS: number): Promise<Measurement> {
  process.stderr.write(`measuring ${model} on ${backend} with ${threads} thread(s), ${steps} steps...\n`);
  const empty = { backend, model, threads, secondsPerStep: null, firstStepSeconds: null, peakRssMb: null };
  try {
    const args = ['--import', 'tsx', 'bench/engine-step.ts', backend, model, String(steps), String(threads)];
    const { stdout } = await run(process.execPath, args, { timeout: timeoutS * 1000, maxBuffer: 1 << 20 });
    return { ...empty, ...(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Partial<Measurement>) };
  } catch (error: unknown) {
    if (error instanceof Error && 'killed' in error && error.killed) return { ...empty, timedOutAfterSeconds: timeoutS };
    return { ...empty, error: String(error) };
  }
}

const measurements: Measurement[] = [];
for (const model of MODELS) {
  for (const threads of wasmThreads) measurements.push(await measure('wasm', model, wasmSteps, threads, 600));
  measurements.push(await measure('cpu', model, 1, 1, cpuTimeoutS));
}

const rows = MODELS.map((model) => {
  const wasm = measurements.filter((m) => m.model === model && m.backend === 'wasm' && m.secondsPerStep !== null);
  const best = wasm.reduce<Measurement | undefined>((a, m) => (!a || (m.secondsPerStep ?? 0) < (a.secondsPerStep ?? 0) ? m : a), undefined);
  const cpu = measurements.find((m) => m.model === model && m.backend === 'cpu');
  const cpuSeconds = cpu?.secondsPerStep ?? cpu?.timedOutAfterSeconds ?? null;
  const target = TARGET_SECONDS[model] ?? 0;
  return {
    model,
    wasmSecondsPerStepByThreads: Object.fromEntries(wasm.map((m) => [m.threads, m.secondsPerStep])),
    bestWasm: best ? { threads: best.threads, secondsPerStep: best.secondsPerStep, peakRssMb: best.peakRssMb } : null,
    cpuSecondsPerStep: cpuSeconds,
    cpuIsLowerBound: cpu?.timedOutAfterSeconds !== undefined,
    cpuOverWasm: best?.secondsPerStep && cpuSeconds ? cpuSeconds / best.secondsPerStep : null,
    targetSeconds: target,
    meetsTarget: best?.secondsPerStep != null && best.secondsPerStep <= target,
  };
});

const report = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.version, loadAverage: os.loadavg() },
  models: {
    lstm: 'Embedding(10000,128) -> LSTM(128, seq) -> Dropout -> LSTM(64) -> Dropout -> BN -> Dense(128) -> BN -> Dense(64) -> Dropout -> Dense(27); batch 64, sequence 48, Adam',
    cnn: '64x64x3 -> [Conv(32,3)+MaxPool] -> [Conv(64,3)+MaxPool] -> [Conv(128,3)+MaxPool] -> Dense(27); batch 32, Adam',
  },
  rows,
  measurements,
};

const s = (v: number | null | undefined) => (v == null ? 'n/a' : v.toFixed(3));
const table = [
  `| model | ${wasmThreads.map((t) => `wasm ${t} thread(s) s/step`).join(' | ')} | cpu s/step | cpu / best wasm | target | met |`,
  `|---|${wasmThreads.map(() => '---|').join('')}---|---|---|---|`,
  ...rows.map((r) => {
    const cpu = r.cpuSecondsPerStep == null ? 'n/a' : `${r.cpuIsLowerBound ? '> ' : ''}${r.cpuSecondsPerStep.toFixed(1)}`;
    const ratio = r.cpuOverWasm == null ? 'n/a' : `${r.cpuIsLowerBound ? '> ' : ''}${r.cpuOverWasm.toFixed(0)}x`;
    const perThreads = wasmThreads.map((t) => s(r.wasmSecondsPerStepByThreads[t])).join(' | ');
    return `| ${r.model} | ${perThreads} | ${cpu} | ${ratio} | <= ${r.targetSeconds} | ${r.meetsTarget ? 'yes' : 'no'} |`;
  }),
].join('\n');
const rss = measurements.map((m) => `${m.model}/${m.backend}/${m.threads}t: ${m.peakRssMb ?? 'n/a'} MB`).join(', ');
const dir = path.join('reports', 'bench');
await mkdir(dir, { recursive: true });
await writeFile(path.join(dir, 'engine.json'), `${JSON.stringify(report, null, 2)}\n`);
const header = `${report.machine.cpus} CPUs (${report.machine.cpuModel}), Node ${report.machine.node}, load average at the end ${report.machine.loadAverage.map((l) => l.toFixed(2)).join(' ')}`;
await writeFile(path.join(dir, 'engine.md'), `# Engine bench, ${report.date}\n\n${header}\n\n${table}\n\nPeak RSS: ${rss}\n`);
console.log(`${header}\n\n${table}\n\nPeak RSS: ${rss}\n\nwritten: ${dir}/engine.json, ${dir}/engine.md`);
