/**
 * npm run bench:engine — seconds per training step of the reference LSTM and CNN on wasm and on
 * cpu, each in a fresh process, written to reports/bench/engine.json and engine.md.
 * Env: BENCH_STEPS (wasm steps, default 10), BENCH_CPU_STEPS (default 1), BENCH_TIMEOUT_S (per run, default 900).
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const wasmSteps = Number(process.env.BENCH_STEPS ?? 10);
const cpuSteps = Number(process.env.BENCH_CPU_STEPS ?? 1);
const timeoutMs = Number(process.env.BENCH_TIMEOUT_S ?? 900) * 1000;
const targets: Record<string, number> = { lstm: 0.3, cnn: 1.0 };

interface StepResult {
  backend: string;
  model: string;
  threads: number;
  batch: number;
  steps: number;
  secondsPerStep: number | null;
  firstStepSeconds: number | null;
  peakRssMb: number | null;
  note?: string;
}

async function measure(backend: string, model: string, steps: number): Promise<StepResult> {
  process.stderr.write(`measuring ${model} on ${backend} (${steps} steps)...\n`);
  try {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/engine-step.ts', backend, model, String(steps)], {
      timeout: timeoutMs,
      maxBuffer: 1 << 20,
    });
    const line = stdout.trim().split('\n').at(-1) ?? '{}';
    return JSON.parse(line) as StepResult;
  } catch (error: unknown) {
    const note = error instanceof Error && 'killed' in error && error.killed ? `timed out after ${timeoutMs / 1000} s` : String(error);
    return { backend, model, threads: 1, batch: 0, steps: 0, secondsPerStep: null, firstStepSeconds: null, peakRssMb: null, note };
  }
}

const results: StepResult[] = [];
for (const model of ['lstm', 'cnn']) {
  results.push(await measure('wasm', model, wasmSteps));
  results.push(await measure('cpu', model, cpuSteps));
}

const fmt = (s: number | null) => (s === null ? 'n/a' : s.toFixed(3));
const rows = ['lstm', 'cnn'].map((model) => {
  const wasm = results.find((r) => r.model === model && r.backend === 'wasm');
  const cpu = results.find((r) => r.model === model && r.backend === 'cpu');
  const speedup = wasm?.secondsPerStep && cpu?.secondsPerStep ? cpu.secondsPerStep / wasm.secondsPerStep : null;
  const target = targets[model] ?? 0;
  return {
    model,
    wasmSecondsPerStep: wasm?.secondsPerStep ?? null,
    cpuSecondsPerStep: cpu?.secondsPerStep ?? null,
    speedup,
    targetSeconds: target,
    meetsTarget: wasm?.secondsPerStep != null ? wasm.secondsPerStep <= target : false,
    wasmPeakRssMb: wasm?.peakRssMb ?? null,
    cpuPeakRssMb: cpu?.peakRssMb ?? null,
    note: [wasm?.note, cpu?.note].filter(Boolean).join('; ') || undefined,
  };
});

const report = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.version },
  models: {
    lstm: 'Embedding(10000,128) -> LSTM(128, seq) -> Dropout -> LSTM(64) -> Dropout -> BN -> Dense(128) -> BN -> Dense(64) -> Dropout -> Dense(27); batch 64, sequence 48, Adam',
    cnn: '64x64x3 -> [Conv(32,3)+MaxPool] -> [Conv(64,3)+MaxPool] -> [Conv(128,3)+MaxPool] -> Dense(27); batch 32, Adam',
  },
  rows,
  raw: results,
};
const table = [
  '| model | wasm s/step | cpu s/step | cpu/wasm | target | met | wasm peak RSS MB |',
  '|---|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.model} | ${fmt(r.wasmSecondsPerStep)} | ${fmt(r.cpuSecondsPerStep)} | ${r.speedup ? `${r.speedup.toFixed(0)}x` : 'n/a'} | <= ${r.targetSeconds} | ${r.meetsTarget ? 'yes' : 'no'} | ${r.wasmPeakRssMb ?? 'n/a'} |`,
  ),
].join('\n');
const dir = path.join('reports', 'bench');
await mkdir(dir, { recursive: true });
await writeFile(path.join(dir, 'engine.json'), `${JSON.stringify(report, null, 2)}\n`);
await writeFile(path.join(dir, 'engine.md'), `# Engine bench (${report.date})\n\n${report.machine.cpus} CPUs, ${report.machine.cpuModel}, Node ${report.machine.node}\n\n${table}\n`);
console.log(table);
console.log(`\nwritten: ${path.join(dir, 'engine.json')}, ${path.join(dir, 'engine.md')}`);
