import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Worker as NodeWorker, type WorkerOptions } from 'node:worker_threads';

/**
 * Makes tfjs-backend-wasm 4.22's threaded SIMD build start under Node. Upstream disables it in
 * Node (tfjs issue 3830) and it fails three ways, each handled here:
 * 1. emscripten spawns pthreads with `new Worker(blob:…)`, which Node refuses: the worker script is
 *    written to a temp file and the blob URL replaced by its path;
 * 2. the worker is told to load the main script from a Blob of the bundled factory, unusable in a
 *    worker: it gets the path of the standalone threaded module instead;
 * 3. emscripten `ref()`s workers while their pthread runs, and XNNPACK's pool threads never end, so
 *    Node would never exit: workers stay unref'd.
 * The C++ side also caps the pool at half the logical cores (1 on a 2-core machine), whatever
 * setThreadsCount says; `withLogicalCores` lifts that cap during initialisation.
 */
let installed = false;

export function installWasmThreadShim(): void {
  if (installed) return;
  const require = createRequire(import.meta.url);
  const wasmOut = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out');
  const { wasmWorkerContents } = require(path.join(wasmOut, 'tfjs-backend-wasm-threaded-simd.worker.js')) as {
    wasmWorkerContents: string;
  };
  const workerFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'rakuten-ml-pthread-')), 'pthread-worker.cjs');
  // The bundle stores the worker source in a template literal; tfjs re-escapes newlines the same way.
  writeFileSync(workerFile, wasmWorkerContents.replace(/\n/g, '\\n'));
  const mainScript = path.join(wasmOut, 'tfjs-backend-wasm-threaded-simd.js');

  class PthreadWorker extends NodeWorker {
    constructor(url: string | URL, options?: WorkerOptions) {
      super(String(url).startsWith('blob:') ? workerFile : url, options);
    }
    override postMessage(message: unknown, transfer?: Parameters<NodeWorker['postMessage']>[1]): void {
      const isLoad = typeof message === 'object' && message !== null && 'cmd' in message && message.cmd === 'load';
      super.postMessage(isLoad ? { ...message, urlOrBlob: mainScript } : message, transfer);
    }
    override ref(): void {}
  }
  // emscripten assigns globalThis.Worker = require('worker_threads').Worker before using it.
  Object.defineProperty(globalThis, 'Worker', { configurable: true, get: () => PthreadWorker, set: () => undefined });
  installed = true;
}

/** Runs `fn` while os.cpus() reports `count` logical cores. */
export async function withLogicalCores<T>(count: number, fn: () => Promise<T>): Promise<T> {
  const original = os.cpus;
  const real = original.call(os);
  os.cpus = () => Array.from({ length: count }, (_, i) => real[i % real.length] ?? real[0] ?? ({} as os.CpuInfo));
  try {
    return await fn();
  } finally {
    os.cpus = original;
  }
}
