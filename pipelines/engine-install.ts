/**
 * `rakuten-ml engine install`: builds tfjs-node (or tfjs-node-gpu) against the TensorFlow C library
 * inside PyPI's wheel, into a folder of its own (default ~/.cache/rakuten-ml/engine), then proves it
 * with one training step. The project's node_modules and package.json are never touched: the
 * build's @tensorflow/tfjs* are links to this checkout's copies (one tfjs-core instance).
 * Recipe and measurements: issue #11, docs/engine.md.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { AppError, InputError, type ProgressListener } from '../core/index.js';
import {
  bindingPath,
  type EngineStamp,
  LINKED_TFJS_PACKAGES,
  linksPointTo,
  type NativeVariant,
  nativePackageDir,
  projectTfjsCoreDir,
  readStamp,
  STAMP_FILE,
  TFJS_NODE_VERSION,
  variantDir,
} from '../models/engine/index.js';
import { type InstallPlan, planInstall } from './engine-plan.js';
import { type BuildTools, checkPlatform, type Env, findBuildTools, runCommand } from './engine-tools.js';
import { downloadWheels, extractNvidiaWheels, extractTensorflowWheel } from './engine-wheel.js';

export interface EngineInstallInput {
  engineDir: string;
  isGpu: boolean;
  tensorflowVersion: string;
  /** A wheel already on disk; otherwise pip downloads tensorflow-cpu (or tensorflow with --gpu). */
  wheel?: string | undefined;
  isForced: boolean;
  /** The environment child processes get (PATH finds the tools; proxies reach pip's index). */
  env: Env;
  nodeExecPath: string;
  platform: string;
  arch: string;
}

export interface VerifyResult {
  backend: string;
  tensorflowVersion: string;
  loss: number;
  stepMs: number;
}

export interface EngineInstallResult {
  action: InstallPlan['action'];
  why: string;
  variant: NativeVariant;
  dir: string;
  tensorflowPackage: string;
  tensorflowVersion: string;
  wheelSha256: string;
  sizeBytes: number;
  steps: { step: string; seconds: number }[];
  verify: VerifyResult | null;
  durationMs: number;
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk);
  return hash.digest('hex');
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    // Links to the project's tfjs are not part of the engine's size.
    if (entry.isFile()) total += (await stat(path.join(entry.parentPath, entry.name))).size;
  }
  return total;
}

/** Progress for steps with no countable unit: elapsed seconds against a rough expectation. */
async function withHeartbeat<T>(stage: string, expectedSeconds: number, onProgress: ProgressListener | undefined, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const beat = (): void => {
    const elapsed = Math.round((performance.now() - started) / 1000);
    onProgress?.({ stage, done: elapsed, total: Math.max(expectedSeconds, elapsed + 1), detail: 's' });
  };
  beat();
  const timer = setInterval(beat, 2000);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/**
 * Replaces the build's @tensorflow/tfjs* folders by links to this checkout's copies, so the binding
 * registers 'tensorflow' on the tfjs-core the models import (two copies would not share kernels).
 */
export async function linkProjectTfjs(dir: string, tfjsCoreDir: string): Promise<string[]> {
  const scope = path.join(dir, 'node_modules', '@tensorflow');
  await mkdir(scope, { recursive: true });
  const projectScope = path.dirname(tfjsCoreDir);
  const linked: string[] = [];
  for (const name of LINKED_TFJS_PACKAGES) {
    const target = path.join(projectScope, name);
    if (!existsSync(target)) continue; // the project has no copy: keep the one npm installed
    await rm(path.join(scope, name), { recursive: true, force: true });
    await symlink(target, path.join(scope, name), 'dir');
    linked.push(name);
  }
  return linked;
}

/**
 * Puts the wheel's libraries where binding.gyp links and the binding's RUNPATH ($ORIGIN/../../deps/lib)
 * loads them, under the names tfjs-node's build expects (libtensorflow.so → the C API library).
 */
export async function arrangeLibraries(libDir: string): Promise<void> {
  const links: [string, string][] = [
    ['libtensorflow.so.2', 'libtensorflow_cc.so.2'],
    ['libtensorflow.so', 'libtensorflow.so.2'],
    ['libtensorflow_framework.so', 'libtensorflow_framework.so.2'],
  ];
  for (const [name, target] of links) {
    await rm(path.join(libDir, name), { force: true });
    await symlink(target, path.join(libDir, name));
  }
}

// Runs in a child process (a library that fails to load cannot take the CLI down with it): loads
// the build through the engine folder, then the project's own @tensorflow/tfjs must report
// 'tensorflow' and train one step of a tiny embedding + LSTM + dense model.
const VERIFY_SCRIPT = `
const { createRequire } = require('node:module');
const [variantPackageJson, packageName, tfjsMain] = process.argv.slice(1);
(async () => {
  const tf = require(tfjsMain);
  createRequire(variantPackageJson)(packageName);
  if (!(await tf.setBackend('tensorflow')) || tf.getBackend() !== 'tensorflow') throw new Error('the project tfjs runs on ' + tf.getBackend());
  const model = tf.sequential({ layers: [
    tf.layers.embedding({ inputDim: 50, outputDim: 8, inputLength: 6 }),
    tf.layers.lstm({ units: 8 }),
    tf.layers.dense({ units: 3, activation: 'softmax' }),
  ] });
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
  const x = tf.tensor2d([[1, 2, 3, 4, 5, 6], [6, 5, 4, 3, 2, 1]], [2, 6], 'int32');
  const y = tf.oneHot(tf.tensor1d([0, 2], 'int32'), 3);
  const started = performance.now();
  const loss = Number(await model.trainOnBatch(x, y));
  if (!Number.isFinite(loss)) throw new Error('the training step gave loss ' + loss);
  const binding = tf.backend().binding;
  console.log(JSON.stringify({ backend: tf.getBackend(), tensorflowVersion: String(binding && binding.TF_Version), loss, stepMs: performance.now() - started }));
})().catch((error) => { console.error(String((error && error.stack) || error)); process.exit(1); });
`;

async function verifyBuild(dir: string, variant: NativeVariant, nodeExecPath: string, env: Env): Promise<VerifyResult> {
  const tfjsMain = createRequire(import.meta.url).resolve('@tensorflow/tfjs');
  const args = ['-e', VERIFY_SCRIPT, path.join(dir, 'package.json'), `@tensorflow/${variant}`, tfjsMain];
  // TF_CPP_MIN_LOG_LEVEL=2 keeps TensorFlow's start-up notices (CPU features, CUDA probing) out of the way.
  const result = await runCommand(nodeExecPath, args, { env: { ...env, TF_CPP_MIN_LOG_LEVEL: '2' } });
  const line = result.stdout.trim().split('\n').at(-1) ?? '';
  if (result.code !== 0 || !line.startsWith('{')) {
    throw new AppError('ENGINE_VERIFY_FAILED', `The built engine did not train a step: ${result.stderrTail.split('\n').filter(Boolean).slice(-3).join(' | ')}`, {
      hint: 'Rerun with --force; if it fails again, keep --backend wasm and report the message.',
    });
  }
  const parsed: unknown = JSON.parse(line);
  const record = typeof parsed === 'object' && parsed !== null ? Object.fromEntries(Object.entries(parsed)) : {};
  return {
    backend: String(record.backend),
    tensorflowVersion: String(record.tensorflowVersion),
    loss: Number(record.loss),
    stepMs: Number(record.stepMs),
  };
}

async function buildBinding(packageDir: string, tools: BuildTools, env: Env, nodeExecPath: string, onProgress: ProgressListener | undefined): Promise<void> {
  // binding.gyp expects node-pre-gyp's variables; node-gyp needs them spelled out.
  const args = [
    tools.nodeGyp,
    'rebuild',
    `--nodedir=${tools.nodeDir}`,
    '--module_name=tfjs_binding',
    '--module_path=lib/napi-v8',
    '--napi_build_version=8',
    `--jobs=${Math.max(1, os.availableParallelism())}`,
  ];
  const result = await withHeartbeat('build binding', 60, onProgress, () => runCommand(nodeExecPath, args, { cwd: packageDir, env }));
  if (result.code !== 0) {
    const output = `${result.stdout}\n${result.stderrTail}`;
    if (/undefined reference to `TF|undefined symbol: TF/.test(output)) {
      throw new InputError('ENGINE_WHEEL_INVALID', 'The wheel\'s library does not export the TensorFlow C API the binding needs.', {
        hint: 'Use tensorflow-cpu / tensorflow 2.16 or later (their libtensorflow_cc.so.2 exports TF_* and TFE_*).',
      });
    }
    throw new AppError('ENGINE_BUILD_FAILED', `node-gyp could not build the binding: ${result.stderrTail.split('\n').filter(Boolean).slice(-8).join(' | ')}`, {
      hint: 'The message ends with the compiler\'s last lines; check that g++, make and the Node headers match this Node.',
    });
  }
  await mkdir(path.join(packageDir, 'lib', 'napi-v8'), { recursive: true });
  await copyFile(path.join(packageDir, 'build', 'Release', 'tfjs_binding.node'), path.join(packageDir, 'lib', 'napi-v8', 'tfjs_binding.node'));
  await rm(path.join(packageDir, 'build'), { recursive: true, force: true });
}

async function installPackage(dir: string, variant: NativeVariant, tools: BuildTools, env: Env, onProgress: ProgressListener | undefined): Promise<void> {
  await writeFile(path.join(dir, 'package.json'), `${JSON.stringify({ name: 'rakuten-ml-engine', private: true }, null, 2)}\n`);
  // --ignore-scripts: the package's own install downloads libtensorflow 2.9.1 from a URL that refuses.
  const args = ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--no-package-lock', '--omit=dev', `@tensorflow/${variant}@${TFJS_NODE_VERSION}`];
  const result = await withHeartbeat('npm install', 40, onProgress, () => runCommand(tools.npm, args, { cwd: dir, env }));
  if (result.code !== 0) {
    throw new AppError('ENGINE_BUILD_FAILED', `npm could not install @tensorflow/${variant}@${TFJS_NODE_VERSION}: ${result.stderrTail.split('\n').filter(Boolean).at(-1) ?? ''}`, {
      hint: 'Check that npm reaches its registry (npm ping).',
    });
  }
}

interface BuildContext {
  input: EngineInstallInput;
  variant: NativeVariant;
  tensorflowPackage: string;
  tools: BuildTools;
  tfjsCoreDir: string;
  onProgress: ProgressListener | undefined;
  steps: EngineInstallResult['steps'];
}

async function timed<T>(steps: EngineInstallResult['steps'], step: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await work();
  steps.push({ step, seconds: Math.round((performance.now() - started) / 100) / 10 });
  return result;
}

/** Builds into a staging folder and swaps it in only once verified, so a failed build leaves the old one. */
async function buildEngine(ctx: BuildContext, wheel: string, wheelSha256: string, staging: string): Promise<{ stamp: EngineStamp; verify: VerifyResult }> {
  const { input, variant, tools, steps, onProgress } = ctx;
  await timed(steps, 'npm install', () => installPackage(staging, variant, tools, input.env, onProgress));
  await linkProjectTfjs(staging, ctx.tfjsCoreDir);
  const packageDir = nativePackageDir(staging, variant);
  const libDir = path.join(packageDir, 'deps', 'lib');
  const includeDir = path.join(packageDir, 'deps', 'include');
  await mkdir(libDir, { recursive: true });
  await mkdir(includeDir, { recursive: true });
  const contents = await timed(steps, 'unzip library', () =>
    extractTensorflowWheel({ python: tools.python, wheel, libDir, includeDir, bindingSourceDir: path.join(packageDir, 'binding'), env: input.env, onProgress }),
  );
  await arrangeLibraries(libDir);
  if (input.isGpu) {
    if (contents.cudaRequirements.length === 0) {
      throw new InputError('ENGINE_WHEEL_INVALID', `${path.basename(wheel)} names no CUDA wheels (no "and-cuda" extra): it is not a GPU build.`, {
        hint: 'With --gpu use the tensorflow wheel (not tensorflow-cpu).',
      });
    }
    const cudaDir = path.join(staging, 'cuda-wheels');
    await mkdir(cudaDir, { recursive: true });
    const cudaWheels = await timed(steps, 'download cuda', () =>
      downloadWheels({ python: tools.python, requirements: contents.cudaRequirements, destDir: cudaDir, tmpDir: path.join(staging, 'pip-tmp'), env: input.env, stage: 'download cuda', onProgress }),
    );
    // The GPU library's RUNPATH lists $ORIGIN/../nvidia/<lib>/lib: deps/nvidia/ next to deps/lib/.
    await timed(steps, 'unzip cuda', () => extractNvidiaWheels({ python: tools.python, wheels: cudaWheels, destDir: path.join(packageDir, 'deps'), env: input.env, onProgress }));
    await rm(cudaDir, { recursive: true, force: true });
  }
  await timed(steps, 'build binding', () => buildBinding(packageDir, tools, input.env, input.nodeExecPath, onProgress));
  const verify = await timed(steps, 'verify', () => verifyBuild(staging, variant, input.nodeExecPath, input.env));
  const stamp: EngineStamp = {
    schema: 1,
    variant,
    tfjsNodeVersion: TFJS_NODE_VERSION,
    tensorflowPackage: ctx.tensorflowPackage,
    tensorflowVersion: contents.version,
    wheelFile: path.basename(wheel),
    wheelSha256,
    tfjsCoreDir: ctx.tfjsCoreDir,
    cudaPackages: input.isGpu ? contents.cudaRequirements : [],
    builtAt: new Date().toISOString(),
    sizeBytes: 0,
  };
  return { stamp, verify };
}

async function resolveWheel(ctx: BuildContext, staging: string): Promise<string> {
  const { input } = ctx;
  if (input.wheel !== undefined) return input.wheel;
  const dest = path.join(staging, 'wheels');
  await mkdir(dest, { recursive: true });
  const requirement = `${ctx.tensorflowPackage}==${input.tensorflowVersion}`;
  const wheels = await timed(ctx.steps, 'download', () =>
    downloadWheels({ python: ctx.tools.python, requirements: [requirement], destDir: dest, tmpDir: path.join(staging, 'pip-tmp'), env: input.env, stage: 'download', onProgress: ctx.onProgress }),
  );
  const wheel = wheels[0];
  if (!wheel) throw new InputError('ENGINE_WHEEL_NOT_FOUND', `pip reported success but left no wheel for ${requirement}.`);
  return wheel;
}

/**
 * Installs the native TensorFlow engine (see the file comment). Idempotent: with the same wheel
 * (sha256) or, without --wheel, the same TensorFlow version, it only relinks or does nothing.
 */
export async function installEngine(input: EngineInstallInput, deps: { onProgress?: ProgressListener }): Promise<EngineInstallResult> {
  const started = performance.now();
  checkPlatform(input.platform, input.arch);
  const variant: NativeVariant = input.isGpu ? 'tfjs-node-gpu' : 'tfjs-node';
  const tensorflowPackage = input.isGpu ? 'tensorflow' : 'tensorflow-cpu';
  const dir = variantDir(input.engineDir, variant);
  const tfjsCoreDir = projectTfjsCoreDir();
  if (input.wheel !== undefined && !existsSync(input.wheel)) {
    throw new InputError('ENGINE_WHEEL_NOT_FOUND', `No wheel at ${input.wheel}.`, { hint: `pip download --no-deps ${tensorflowPackage}==${input.tensorflowVersion}` });
  }
  const steps: EngineInstallResult['steps'] = [];
  const wheelSha256 = input.wheel === undefined ? undefined : await timed(steps, 'sha256', () => sha256Of(input.wheel ?? ''));
  const stamp = readStamp(dir);
  const plan = planInstall(
    { variant, tfjsNodeVersion: TFJS_NODE_VERSION, tensorflowPackage, tensorflowVersion: input.tensorflowVersion, isForced: input.isForced, ...(wheelSha256 === undefined ? {} : { wheelSha256 }) },
    { stamp, hasBinding: existsSync(bindingPath(dir, variant)), isLinkedHere: linksPointTo(dir, tfjsCoreDir) },
  );
  const finish = (action: InstallPlan['action'], done: EngineStamp, verify: VerifyResult | null): EngineInstallResult => ({
    action,
    why: plan.why,
    variant,
    dir,
    tensorflowPackage: done.tensorflowPackage,
    tensorflowVersion: done.tensorflowVersion,
    wheelSha256: done.wheelSha256,
    sizeBytes: done.sizeBytes,
    steps,
    verify,
    durationMs: Math.round(performance.now() - started),
  });
  if (plan.action === 'unchanged' && stamp) return finish('unchanged', stamp, null);
  if (plan.action === 'relink' && stamp) {
    await linkProjectTfjs(dir, tfjsCoreDir);
    const verify = await timed(steps, 'verify', () => verifyBuild(dir, variant, input.nodeExecPath, input.env));
    const relinked = { ...stamp, tfjsCoreDir };
    await writeFile(path.join(dir, STAMP_FILE), `${JSON.stringify(relinked, null, 2)}\n`);
    return finish('relink', relinked, verify);
  }

  const tools = findBuildTools(input.env, input.nodeExecPath);
  const ctx: BuildContext = { input, variant, tensorflowPackage, tools, tfjsCoreDir, onProgress: deps.onProgress, steps };
  const staging = path.join(input.engineDir, `.staging-${variant}-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    const wheel = await resolveWheel(ctx, staging);
    const sha = wheelSha256 ?? (await timed(steps, 'sha256', () => sha256Of(wheel)));
    const built = await buildEngine(ctx, wheel, sha, staging);
    // The downloaded wheel is not needed once unpacked (the stamp keeps its sha256).
    await rm(path.join(staging, 'wheels'), { recursive: true, force: true });
    await rm(path.join(staging, 'pip-tmp'), { recursive: true, force: true });
    const stampDone = { ...built.stamp, sizeBytes: await folderBytes(staging) };
    await writeFile(path.join(staging, STAMP_FILE), `${JSON.stringify(stampDone, null, 2)}\n`);
    await rm(dir, { recursive: true, force: true });
    await rename(staging, dir);
    return finish('build', stampDone, built.verify);
  } catch (error: unknown) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}
