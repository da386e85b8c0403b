import { existsSync, mkdirSync, mkdtempSync, readlinkSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bindingPath, type EngineStamp, projectTfjsCoreDir, STAMP_FILE, variantDir } from '../models/engine/index.js';
import { arrangeLibraries, installEngine, linkProjectTfjs } from './engine-install.js';

const temp = (prefix: string) => mkdtempSync(path.join(tmpdir(), prefix));

describe('arrangeLibraries', () => {
  it('names the C API library as tfjs-node links it, idempotently', async () => {
    const lib = temp('deps-lib-');
    writeFileSync(path.join(lib, 'libtensorflow_cc.so.2'), 'cc');
    writeFileSync(path.join(lib, 'libtensorflow_framework.so.2'), 'fw');
    await arrangeLibraries(lib);
    await arrangeLibraries(lib);
    expect(readlinkSync(path.join(lib, 'libtensorflow.so.2'))).toBe('libtensorflow_cc.so.2');
    expect(readlinkSync(path.join(lib, 'libtensorflow.so'))).toBe('libtensorflow.so.2');
    expect(readlinkSync(path.join(lib, 'libtensorflow_framework.so'))).toBe('libtensorflow_framework.so.2');
    expect(realpathSync(path.join(lib, 'libtensorflow.so'))).toBe(realpathSync(path.join(lib, 'libtensorflow_cc.so.2')));
  });
});

describe('linkProjectTfjs', () => {
  it('replaces the copies npm installed by links to this checkout\'s tfjs packages', async () => {
    const dir = temp('variant-');
    const copy = path.join(dir, 'node_modules', '@tensorflow', 'tfjs-core');
    mkdirSync(copy, { recursive: true });
    writeFileSync(path.join(copy, 'package.json'), '{"name":"@tensorflow/tfjs-core","version":"0.0.0-second-copy"}');
    const linked = await linkProjectTfjs(dir, projectTfjsCoreDir());
    expect(linked).toEqual(expect.arrayContaining(['tfjs', 'tfjs-core', 'tfjs-layers']));
    expect(realpathSync(copy)).toBe(projectTfjsCoreDir());
  });
});

describe('installEngine', () => {
  const base = { isGpu: false, tensorflowVersion: '2.21.0', isForced: false, env: { PATH: '' }, nodeExecPath: process.execPath, platform: 'linux', arch: 'x64' };

  it('does nothing (no tools, no download) when the same version is already built here', async () => {
    const engineDir = temp('engine-');
    const dir = variantDir(engineDir, 'tfjs-node');
    mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
    await linkProjectTfjs(dir, projectTfjsCoreDir());
    mkdirSync(path.dirname(bindingPath(dir, 'tfjs-node')), { recursive: true });
    writeFileSync(bindingPath(dir, 'tfjs-node'), '');
    const stamp: EngineStamp = {
      schema: 1,
      variant: 'tfjs-node',
      tfjsNodeVersion: '4.22.0',
      tensorflowPackage: 'tensorflow-cpu',
      tensorflowVersion: '2.21.0',
      wheelFile: 'tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl',
      wheelSha256: 'd'.repeat(64),
      tfjsCoreDir: projectTfjsCoreDir(),
      cudaPackages: [],
      builtAt: '2026-11-30T00:00:00.000Z',
      sizeBytes: 865_000_000,
    };
    writeFileSync(path.join(dir, STAMP_FILE), JSON.stringify(stamp));
    // An empty PATH: any attempt to find pip or a compiler would throw ENGINE_TOOL_MISSING.
    const result = await installEngine({ ...base, engineDir }, {});
    expect(result).toMatchObject({ action: 'unchanged', tensorflowVersion: '2.21.0', verify: null, steps: [] });
  });

  it('names the missing tool before downloading anything', async () => {
    const engineDir = temp('engine-');
    await expect(installEngine({ ...base, engineDir }, {})).rejects.toMatchObject({ code: 'ENGINE_TOOL_MISSING', message: expect.stringContaining('python3') });
    expect(existsSync(variantDir(engineDir, 'tfjs-node'))).toBe(false);
  });

  it('refuses another platform and a missing wheel file with their own codes', async () => {
    await expect(installEngine({ ...base, engineDir: temp('engine-'), platform: 'darwin', arch: 'arm64' }, {})).rejects.toMatchObject({ code: 'ENGINE_PLATFORM_UNSUPPORTED' });
    await expect(installEngine({ ...base, engineDir: temp('engine-'), wheel: '/nonexistent/tf.whl' }, {})).rejects.toMatchObject({ code: 'ENGINE_WHEEL_NOT_FOUND' });
  });
});
