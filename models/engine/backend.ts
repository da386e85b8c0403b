import * as tf from '@tensorflow/tfjs';
import type { BackendChoice } from '../../core/index.js';
import { AppError, messageOf } from '../../core/index.js';
import { registerWasmTrainingKernels } from './wasm-kernels/index.js';
import { installWasmThreadShim, withLogicalCores } from './wasm-threads.js';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** Which backend runs the math, and why: printed by `doctor` and in every training log. */
export interface EngineInfo {
  backend: BackendName;
  /** The npm package that provides it. */
  package: string;
  reason: string;
  threads: number;
  simd: boolean;
  tfjsVersion: string;
  /** Gradient kernels this project added to the backend (wasm only). */
  addedKernels: string[];
}

export interface BackendOptions {
  preference: BackendChoice;
  threads?: number | undefined;
}

// tfjs-node(-gpu) are optional: their install downloads libtensorflow, which not every machine can.
const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

async function tryNativePackage(): Promise<{ package: string } | { failures: string[] }> {
  const failures: string[] = [];
  for (const name of NATIVE_PACKAGES) {
    try {
      await import(name);
      if (await tf.setBackend('tensorflow')) return { package: name };
      failures.push(`${name}: loaded but the 'tensorflow' backend did not start`);
    } catch (error: unknown) {
      failures.push(`${name}: ${messageOf(error).split('\n')[0]}`);
    }
  }
  return { failures };
}

async function startWasm(threads: number | undefined): Promise<{ threads: number; simd: boolean; added: string[] }> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const added = registerWasmTrainingKernels();
  const isThreaded = threads !== undefined && threads > 1;
  if (isThreaded) {
    // Opt-in: see wasm-threads.ts for what it takes and README for when it pays off.
    installWasmThreadShim();
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
    wasm.setThreadsCount(threads);
  }
  const started = isThreaded
    ? await withLogicalCores(threads * 2, () => tf.setBackend('wasm'))
    : await tf.setBackend('wasm');
  if (!started) {
    throw new AppError('ENGINE_BACKEND_UNAVAILABLE', 'The wasm backend failed to initialise.');
  }
  await tf.ready();
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  return { threads: wasm.getThreadsCount(), simd, added };
}

let active: EngineInfo | undefined;

/**
 * Picks and starts the tfjs backend. `auto` tries tfjs-node-gpu, then tfjs-node (when installed),
 * then wasm with this project's gradient kernels, then the pure-JS cpu backend.
 * Calling it again with the same preference returns the running engine.
 */
export async function useBackend(options: BackendOptions): Promise<EngineInfo> {
  if (active && (options.preference === 'auto' || options.preference === active.backend)) return active;
  const base = { tfjsVersion: tf.version.tfjs, addedKernels: [] as string[], simd: false, threads: 1 };
  const { preference } = options;

  if (preference === 'tensorflow' || preference === 'auto') {
    const native = await tryNativePackage();
    if ('package' in native) {
      active = { ...base, backend: 'tensorflow', package: native.package, reason: `${preference}: ${native.package} is installed` };
      return active;
    }
    if (preference === 'tensorflow') {
      throw new AppError('ENGINE_BACKEND_UNAVAILABLE', `The tensorflow backend is not available (${native.failures.join('; ')}).`, {
        hint: 'Install @tensorflow/tfjs-node or @tensorflow/tfjs-node-gpu, or use --backend wasm.',
      });
    }
  }

  if (preference === 'wasm' || preference === 'auto') {
    try {
      const wasm = await startWasm(options.threads);
      const reason = preference === 'wasm' ? 'wasm: asked for' : 'auto: tfjs-node(-gpu) not installed, wasm is the fastest available';
      active = { ...base, backend: 'wasm', package: '@tensorflow/tfjs-backend-wasm', reason, threads: wasm.threads, simd: wasm.simd, addedKernels: wasm.added };
      return active;
    } catch (error: unknown) {
      if (preference === 'wasm') {
        throw new AppError('ENGINE_BACKEND_UNAVAILABLE', `The wasm backend failed to start: ${messageOf(error)}`, { cause: error });
      }
    }
  }

  await tf.setBackend('cpu');
  await tf.ready();
  const reason = preference === 'cpu' ? 'cpu: asked for' : 'auto: neither tfjs-node nor wasm could start';
  active = { ...base, backend: 'cpu', package: '@tensorflow/tfjs-backend-cpu', reason };
  return active;
}
