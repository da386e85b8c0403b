/**
 * What `engine install` needs from the machine, found before anything is downloaded, with an error
 * that names the missing piece and how to install it.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { AppError, InputError } from '../core/index.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** The first executable called `name` on a PATH string, or undefined. */
export function findOnPath(name: string, pathValue: string | undefined): string | undefined {
  for (const dir of (pathValue ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this folder: keep looking.
    }
  }
  return undefined;
}

/** Only Linux x86_64: the one platform whose PyPI wheels we build from and test. */
export function checkPlatform(platform: string, arch: string): void {
  if (platform === 'linux' && arch === 'x64') return;
  throw new InputError('ENGINE_PLATFORM_UNSUPPORTED', `The native engine is built for Linux x86_64 only; this is ${platform} ${arch}.`, {
    hint: 'Keep the default wasm backend (it runs everywhere), or build on a Linux x86_64 machine or container.',
  });
}

function missing(what: string, hint: string): AppError {
  return new AppError('ENGINE_TOOL_MISSING', `${what} is needed to build the native engine and was not found.`, { hint });
}

export interface BuildTools {
  python: string;
  cxx: string;
  make: string;
  npm: string;
  /** node-gyp's JS entry, run with this Node. */
  nodeGyp: string;
  /** The prefix holding include/node/node_api.h, passed to node-gyp as --nodedir. */
  nodeDir: string;
}

function findNodeGyp(npm: string, env: Env): string | undefined {
  // npm ships node-gyp; a node-gyp on PATH (a global install) also works.
  try {
    const bundled = path.resolve(path.dirname(realpathSync(npm)), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    if (existsSync(bundled)) return bundled;
  } catch {
    // npm is a wrapper whose real path we cannot read: fall back to PATH.
  }
  const onPath = findOnPath('node-gyp', env.PATH);
  return onPath === undefined ? undefined : realpathSync(onPath);
}

/**
 * Finds python3, a C++ compiler, make, npm, node-gyp and Node's headers, or throws
 * ENGINE_TOOL_MISSING / ENGINE_NODE_HEADERS_MISSING naming the first one missing.
 */
export function findBuildTools(env: Env, nodeExecPath: string): BuildTools {
  const python = findOnPath('python3', env.PATH);
  if (!python) throw missing('python3 (with pip)', 'Debian/Ubuntu: apt-get install python3 python3-pip; or install Python 3.9+ from python.org.');
  const cxxName = env.CXX ?? 'g++';
  const cxx = findOnPath(cxxName, env.PATH) ?? (path.isAbsolute(cxxName) && existsSync(cxxName) ? cxxName : undefined);
  if (!cxx) throw missing(`A C++ compiler (${cxxName})`, 'Debian/Ubuntu: apt-get install g++ make; or set CXX to your compiler.');
  const make = findOnPath('make', env.PATH);
  if (!make) throw missing('make', 'Debian/Ubuntu: apt-get install make.');
  const npm = findOnPath('npm', [path.dirname(nodeExecPath), env.PATH ?? ''].join(path.delimiter));
  if (!npm) throw missing('npm', 'Install Node.js with npm (https://nodejs.org).');
  const nodeGyp = findNodeGyp(npm, env);
  if (!nodeGyp) throw missing('node-gyp', 'npm install -g node-gyp (npm usually bundles it).');
  const nodeDir = path.resolve(path.dirname(nodeExecPath), '..');
  if (!existsSync(path.join(nodeDir, 'include', 'node', 'node_api.h'))) {
    throw new AppError('ENGINE_NODE_HEADERS_MISSING', `Node's C headers are not in ${path.join(nodeDir, 'include', 'node')}.`, {
      hint: 'Install the Node.js development headers (Debian/Ubuntu: apt-get install libnode-dev or nodejs from NodeSource; official tarballs include them).',
    });
  }
  return { python, cxx, make, npm, nodeGyp, nodeDir };
}

export interface CommandResult {
  code: number;
  stdout: string;
  /** The last lines of stderr, for error messages. */
  stderrTail: string;
}

/**
 * Runs a program, handing each output line to `onLine` as it comes (pip and node-gyp are long).
 * Resolves with the exit code; never throws for a non-zero exit, the caller maps it.
 */
export function runCommand(
  file: string,
  args: readonly string[],
  options: { cwd?: string; env: Env; onLine?: (line: string) => void },
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const feed = (chunk: Buffer, sink: 'out' | 'err'): void => {
      const text = chunk.toString('utf8');
      if (sink === 'out') stdout += text;
      else stderr = (stderr + text).slice(-8000);
      for (const line of text.split('\n')) if (line.trim() !== '') options.onLine?.(line.trim());
    };
    child.stdout.on('data', (chunk: Buffer) => feed(chunk, 'out'));
    child.stderr.on('data', (chunk: Buffer) => feed(chunk, 'err'));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderrTail: stderr.split('\n').slice(-15).join('\n') }));
  });
}

/** True when pip's output says it could not reach its index (no network, proxy, DNS). */
export function isPipUnreachable(output: string): boolean {
  return /NewConnectionError|Failed to establish a new connection|Temporary failure in name resolution|Name or service not known|Network is unreachable|ConnectTimeout|ProxyError|Max retries exceeded|Could not fetch URL/i.test(output);
}
