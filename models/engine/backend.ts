import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { BackendChoice } from '../../core/index.js';
import { AppError, messageOf } from '../../core/index.js';
import { defaultNativeEngineDir, inspectNativeEngine, projectTfjsCoreDir, variantDir } from './native-engine.js';
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
  /** The TensorFlow C library version under the tensorflow backend (e.g. "2.21.0"). */
  tensorflowVersion?: string;
  /** The native engine built by `rakuten-ml engine install`: what it is, or why it is not used. */
  nativeEngine: string;
}

export interface BackendOptions {
  preference: BackendChoice;
  threads?: number | undefined;
  /** The folder `rakuten-ml engine install` builds into; default ~/.cache/rakuten-ml/engine. */
  nativeDir?: string | undefined;
}

// tfjs-node(-gpu) are optional: their own install downloads libtensorflow 2.9.1 from a URL that now
// refuses, so `rakuten-ml engine install` builds them from PyPI's TensorFlow into a folder of their own.
const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

interface NativeLoad {
  package: string;
  tensorflowVersion?: string;
}

function tensorflowVersionOfBackend(): string | undefined {
  // tfjs-node's backend object carries its binding, which reports the C library's version.
  const backend: unknown = tf.backend();
  if (typeof backend !== 'object' || backend === null || !('binding' in backend)) return undefined;
  const binding: unknown = backend.binding;
  if (typeof binding !== 'object' || binding === null || !('TF_Version' in binding)) return undefined;
  return typeof binding.TF_Version === 'string' ? binding.TF_Version : undefined;
}

async function tryNativeFolder(nativeDir: string): Promise<NativeLoad | { failure: string; status: string }> {
  const status = inspectNativeEngine(nativeDir, projectTfjsCoreDir());
  if (!status.isUsable || status.variant === undefined) return { failure: status.reason, status: status.reason };
  const name = `@tensorflow/${status.variant}`;
  try {
    // Resolved from the engine folder; its @tensorflow/tfjs* are links to this project's copies.
    createRequire(path.join(variantDir(nativeDir, status.variant), 'package.json'))(name);
    if (await tf.setBackend('tensorflow')) return { package: `${name} (${nativeDir})`, tensorflowVersion: tensorflowVersionOfBackend() ?? status.stamp?.tensorflowVersion };
    return { failure: `${name}: loaded but the 'tensorflow' backend did not start`, status: status.reason };
  } catch (error: unknown) {
    return { failure: `${name} in ${nativeDir}: ${messageOf(error).split('\n')[0]}`, status: status.reason };
  }
}

async function tryNativePackage(nativeDir: string): Promise<{ load: NativeLoad; status: string } | { failures: string[]; status: string }> {
  const folder = await tryNativeFolder(nativeDir);
  if ('package' in folder) return { load: folder, status: `${folder.package}, TensorFlow ${folder.tensorflowVersion ?? 'unknown'}` };
  const failures: string[] = [folder.failure];
  for (const name of NATIVE_PACKAGES) {
    try {
      await import(name);
      if (await tf.setBackend('tensorflow')) return { load: { package: name, tensorflowVersion: tensorflowVersionOfBackend() }, status: `${name} from node_modules` };
      failures.push(`${name}: loaded but the 'tensorflow' backend did not start`);
    } catch (error: unknown) {
      failures.push(`${name}: ${messageOf(error).split('\n')[0]}`);
    }
  }
  return { failures, status: folder.status };
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
 * Picks and starts the tfjs backend. `auto` tries the native engine built by `rakuten-ml engine
 * install` (tfjs-node-gpu, then tfjs-node) and tfjs-node(-gpu) in node_modules, then wasm with this project's gradient kernels, then the pure-JS cpu backend.
 * Calling it again with the same preference returns the running engine.
 */
export async function useBackend(options: BackendOptions): Promise<EngineInfo> {
  if (active && (options.preference === 'auto' || options.preference === active.backend)) return active;
  const { preference } = options;
  const nativeDir = options.nativeDir ?? defaultNativeEngineDir(os.homedir());
  let nativeEngine = 'not looked for (a backend other than tensorflow was asked for)';
  const base = () => ({ tfjsVersion: tf.version.tfjs, addedKernels: [] as string[], simd: false, threads: 1, nativeEngine });

  if (preference === 'tensorflow' || preference === 'auto') {
    const native = await tryNativePackage(nativeDir);
    nativeEngine = native.status;
    if ('load' in native) {
      const { load } = native;
      active = {
        ...base(),
        // TensorFlow's CPU kernels are vectorised (AVX) and use every core unless told otherwise.
        threads: os.availableParallelism(),
        simd: true,
        backend: 'tensorflow',
        package: load.package,
        reason: `${preference}: the native engine is installed (TensorFlow ${load.tensorflowVersion ?? 'unknown'})`,
        ...(load.tensorflowVersion === undefined ? {} : { tensorflowVersion: load.tensorflowVersion }),
      };
      return active;
    }
    if (preference === 'tensorflow') {
      throw new AppError('ENGINE_BACKEND_UNAVAILABLE', `The tensorflow backend is not available (${native.failures.join('; ')}).`, {
        hint: 'Run `rakuten-ml engine install` (or `engine install --gpu`) once, or use --backend wasm.',
      });
    }
  }

  if (preference === 'wasm' || preference === 'auto') {
    try {
      const wasm = await startWasm(options.threads);
      const reason = preference === 'wasm' ? 'wasm: asked for' : 'auto: no native engine installed, wasm is the fastest available';
      active = { ...base(), backend: 'wasm', package: '@tensorflow/tfjs-backend-wasm', reason, threads: wasm.threads, simd: wasm.simd, addedKernels: wasm.added };
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
  active = { ...base(), backend: 'cpu', package: '@tensorflow/tfjs-backend-cpu', reason };
  return active;
}
