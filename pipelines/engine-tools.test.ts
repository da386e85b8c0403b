import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPlatform, findBuildTools, findOnPath, isPipUnreachable } from './engine-tools.js';

/** A folder of fake executables (empty shell scripts) to build PATHs from. */
function fakeBin(names: string[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'engine-bin-'));
  for (const name of names) {
    writeFileSync(path.join(dir, name), '#!/bin/sh\n');
    chmodSync(path.join(dir, name), 0o755);
  }
  return dir;
}

/** A fake Node prefix: bin/node, bin/npm (with npm's bundled node-gyp beside it) and, optionally, the headers. */
function fakeNodePrefix(hasHeaders: boolean): string {
  const prefix = mkdtempSync(path.join(tmpdir(), 'engine-node-'));
  const npmBin = path.join(prefix, 'lib', 'node_modules', 'npm', 'bin');
  mkdirSync(npmBin, { recursive: true });
  writeFileSync(path.join(npmBin, 'npm-cli.js'), '');
  mkdirSync(path.join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin'), { recursive: true });
  writeFileSync(path.join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'), '');
  mkdirSync(path.join(prefix, 'bin'));
  writeFileSync(path.join(prefix, 'bin', 'node'), '#!/bin/sh\n');
  chmodSync(path.join(prefix, 'bin', 'node'), 0o755);
  chmodSync(path.join(npmBin, 'npm-cli.js'), 0o755);
  // As Node's installers lay it out: bin/npm is a link into lib/node_modules/npm.
  symlinkSync(path.join('..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'), path.join(prefix, 'bin', 'npm'));
  if (hasHeaders) {
    mkdirSync(path.join(prefix, 'include', 'node'), { recursive: true });
    writeFileSync(path.join(prefix, 'include', 'node', 'node_api.h'), '');
  }
  return prefix;
}

describe('findOnPath', () => {
  it('finds the first executable of that name and ignores empty entries', () => {
    const a = fakeBin(['python3']);
    const b = fakeBin(['python3', 'make']);
    expect(findOnPath('python3', ['', a, b].join(path.delimiter))).toBe(path.join(a, 'python3'));
    expect(findOnPath('make', [a, b].join(path.delimiter))).toBe(path.join(b, 'make'));
    expect(findOnPath('g++', a)).toBeUndefined();
    expect(findOnPath('python3', undefined)).toBeUndefined();
  });

  it('skips a file that is not executable', () => {
    const dir = fakeBin([]);
    writeFileSync(path.join(dir, 'make'), '');
    expect(findOnPath('make', dir)).toBeUndefined();
  });
});

describe('findBuildTools', () => {
  const node = (prefix: string) => path.join(prefix, 'bin', 'node');

  it.each([
    [[], 'python3', 'apt-get install python3 python3-pip'],
    [['python3'], 'C++ compiler', 'apt-get install g++ make'],
    [['python3', 'g++'], 'make', 'apt-get install make'],
  ])('with only %j on PATH, names %s and how to install it', (tools, what, hint) => {
    const prefix = fakeNodePrefix(true);
    const attempt = () => findBuildTools({ PATH: fakeBin(tools) }, node(prefix));
    expect(attempt).toThrow(expect.objectContaining({ code: 'ENGINE_TOOL_MISSING', message: expect.stringContaining(what), hint: expect.stringContaining(hint) }));
  });

  it('honours CXX for the compiler', () => {
    const prefix = fakeNodePrefix(true);
    const bin = fakeBin(['python3', 'clang++', 'make']);
    expect(findBuildTools({ PATH: bin, CXX: 'clang++' }, node(prefix)).cxx).toBe(path.join(bin, 'clang++'));
    expect(() => findBuildTools({ PATH: bin }, node(prefix))).toThrow(expect.objectContaining({ message: expect.stringContaining('g++') }));
  });

  it('says when Node\'s headers are missing', () => {
    const prefix = fakeNodePrefix(false);
    const attempt = () => findBuildTools({ PATH: fakeBin(['python3', 'g++', 'make']) }, node(prefix));
    expect(attempt).toThrow(expect.objectContaining({ code: 'ENGINE_NODE_HEADERS_MISSING', message: expect.stringContaining(path.join(prefix, 'include', 'node')) }));
  });

  it('finds npm beside node and the node-gyp npm bundles, and the prefix as --nodedir', () => {
    const prefix = fakeNodePrefix(true);
    const bin = fakeBin(['python3', 'g++', 'make']);
    const tools = findBuildTools({ PATH: bin }, node(prefix));
    expect(tools).toMatchObject({ python: path.join(bin, 'python3'), npm: path.join(prefix, 'bin', 'npm'), nodeDir: prefix });
    expect(tools.nodeGyp).toContain(path.join('npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  });
});

describe('checkPlatform', () => {
  it('accepts Linux x86_64 and refuses the rest with a wasm hint', () => {
    expect(() => checkPlatform('linux', 'x64')).not.toThrow();
    for (const [platform, arch] of [['darwin', 'arm64'], ['linux', 'arm64'], ['win32', 'x64']] as const) {
      expect(() => checkPlatform(platform, arch)).toThrow(expect.objectContaining({ code: 'ENGINE_PLATFORM_UNSUPPORTED', hint: expect.stringContaining('wasm') }));
    }
  });
});

describe('isPipUnreachable', () => {
  it('recognises network failures and not a missing version', () => {
    expect(isPipUnreachable("WARNING: Retrying ... NewConnectionError('Failed to establish a new connection: [Errno -3] Temporary failure in name resolution')")).toBe(true);
    expect(isPipUnreachable('ERROR: Could not find a version that satisfies the requirement tensorflow-cpu==9.9.9')).toBe(false);
  });
});
