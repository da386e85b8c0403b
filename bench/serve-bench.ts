/**
 * npm run bench:serve — the seller API under load, over loopback, in a separate server process:
 * p50/p95/p99 latency and requests/s for text-only predictions (16 connections) and text+image
 * predictions (1 connection), then a load run (#12): 50,000 text-only requests at concurrency 32 with the
 * rate limit raised, with the server's RSS before and after. Written to reports/bench/serve.json.
 * BENCH_MODEL: a text+image bundle dir (default: the tiny real fixture the serve tests build).
 * BENCH_CLI: the CLI entry (default cli/main.ts, run with tsx). BENCH_DURATION_S: seconds per run (10).
 * BENCH_LOAD_REQUESTS: requests in the load run (50000); BENCH_LOAD_CONNECTIONS: its concurrency (32).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { loadConfig } from '../core/index.js';
import { buildServeFixture, type ServeFixture } from '../test/support/serve-fixtures.js';

const durationS = Number(process.env.BENCH_DURATION_S ?? 10);
const cli = process.env.BENCH_CLI ?? 'cli/main.ts';
const loadRequests = Number(process.env.BENCH_LOAD_REQUESTS ?? 50_000);
const loadConnections = Number(process.env.BENCH_LOAD_CONNECTIONS ?? 32);

/** The server process's resident and peak resident memory (Linux /proc), in MB. */
async function serverMemoryMb(pid: number | undefined): Promise<{ rssMb: number; peakRssMb: number } | null> {
  if (pid === undefined) return null;
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    return { rssMb: Math.round(kb('VmRSS') / 1024), peakRssMb: Math.round(kb('VmHWM') / 1024) };
  } catch {
    // not Linux: the figures are left out of the report
    return null;
  }
}

/** BENCH_IMAGE_BASE64, else the first real product photo of the shared data. */
async function benchImage(): Promise<Buffer> {
  if (process.env.BENCH_IMAGE_BASE64) return Buffer.from(process.env.BENCH_IMAGE_BASE64, 'base64');
  const dir = path.join(loadConfig(process.env).dataDir ?? '', 'images', 'image_train');
  const first = (await readdir(dir)).filter((f) => f.endsWith('.jpg')).sort()[0];
  if (!first) throw new Error(`No product photo in ${dir}: set RAKUTEN_DATA_DIR or BENCH_IMAGE_BASE64.`);
  return readFile(path.join(dir, first));
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address !== 'string' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function waitForHealth(base: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${base}/ready`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the server did not become ready in 60 s');
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/** A run of `durationS` seconds, or of exactly `amount` requests when given. */
async function load(name: string, url: string, token: string, body: string, connections: number, amount?: number) {
  const latencies: number[] = [];
  const started = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        method: 'POST',
        connections,
        ...(amount === undefined ? { duration: durationS } : { amount }),
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body,
      },
      (error: unknown, finished: autocannon.Result) => (error ? reject(error) : resolve(finished)),
    );
    // autocannon's own histogram has no p95; keep every response time instead.
    instance.on('response', (_client, _status, _bytes, responseTimeMs) => latencies.push(responseTimeMs));
  });
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const round = (v: number) => Math.round(v * 100) / 100;
  return {
    name,
    connections,
    durationS: round(seconds),
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    requestsPerSecond: round(result.requests.total / seconds),
    latencyMs: { p50: round(percentile(latencies, 50)), p95: round(percentile(latencies, 95)), p99: round(percentile(latencies, 99)) },
  };
}

let fixture: ServeFixture | undefined;
let child: ChildProcess | undefined;
const home = await mkdtemp(path.join(os.tmpdir(), 'rakuten-serve-bench-'));
try {
  let model = process.env.BENCH_MODEL;
  if (!model) {
    fixture = await buildServeFixture();
    model = fixture.fusionBundle;
  }
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  child = spawn(
    process.execPath,
    ['--import', 'tsx', cli, 'serve', '--model', model, '--port', String(port), '--host', '127.0.0.1', '--rate-limit', '100000000'],
    {
      env: { ...process.env, RAKUTEN_ML_HOME: home, RAKUTEN_ML_JWT_SECRET: randomBytes(32).toString('hex'), RAKUTEN_ML_LOG_LEVEL: 'error' },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  await waitForHealth(base, child);
  const json = { 'content-type': 'application/json' };
  const credentials = JSON.stringify({ email: 'bench@example.com', password: 'bench-password' });
  await fetch(`${base}/auth/register`, { method: 'POST', headers: json, body: credentials });
  const { token } = (await (await fetch(`${base}/auth/login`, { method: 'POST', headers: json, body: credentials })).json()) as { token: string };
  const text = { designation: 'Figurine Star Wars en plastique', description: 'Figurine de collection, 15 cm, avec socle' };
  const image = fixture?.jpeg ?? (await benchImage());
  // Warm up both paths (model JIT, image decoder) before measuring.
  await load('warm-up', `${base}/predict`, token, JSON.stringify({ ...text, image: image.toString('base64') }), 1);
  const textOnly = await load('text-only', `${base}/predict`, token, JSON.stringify(text), 16);
  const textImage = await load('text+image', `${base}/predict`, token, JSON.stringify({ ...text, image: image.toString('base64') }), 1);
  // The load run: a fixed number of requests, so RSS after is comparable between machines.
  const memoryBefore = await serverMemoryMb(child.pid);
  const loadRun = await load(`load (${loadRequests} requests)`, `${base}/predict`, token, JSON.stringify(text), loadConnections, loadRequests);
  const memoryAfter = await serverMemoryMb(child.pid);
  const report = {
    createdAt: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.version },
    model: process.env.BENCH_MODEL ? model : 'tiny fixture: late fusion of TF-IDF (60 rows) and a 2-block CNN at 32 px',
    imageBytes: image.length,
    runs: [textOnly, textImage, loadRun],
    load: {
      requests: loadRequests,
      connections: loadConnections,
      rateLimit: 'raised to 100000000/min (--rate-limit)',
      serverRssMbBefore: memoryBefore?.rssMb ?? null,
      serverRssMbAfter: memoryAfter?.rssMb ?? null,
      serverPeakRssMb: memoryAfter?.peakRssMb ?? null,
      loadAverage1m: os.loadavg()[0],
    },
    targets: {
      textOnlyRequestsPerSecondAtLeast: 300,
      textImageP95MsAtMost: 50,
      isTextOnlyMet: textOnly.requestsPerSecond >= 300,
      isTextImageMet: textImage.latencyMs.p95 <= 50,
    },
  };
  await mkdir('reports/bench', { recursive: true });
  await writeFile('reports/bench/serve.json', `${JSON.stringify(report, null, 2)}\n`);
  console.table(report.runs.map((r) => ({ run: r.name, 'req/s': r.requestsPerSecond, ...r.latencyMs, non2xx: r.non2xx, errors: r.errors })));
  console.log(`load run: server RSS ${memoryBefore?.rssMb ?? '?'} MB before, ${memoryAfter?.rssMb ?? '?'} MB after (peak ${memoryAfter?.peakRssMb ?? '?'} MB)`);
  console.log(`targets: text-only >= 300 req/s ${report.targets.isTextOnlyMet ? 'met' : 'MISSED'}; text+image p95 <= 50 ms ${report.targets.isTextImageMet ? 'met' : 'MISSED'}`);
} finally {
  child?.kill('SIGTERM');
  fixture?.cleanup();
  await rm(home, { recursive: true, force: true });
}
