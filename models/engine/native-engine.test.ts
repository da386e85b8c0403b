import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bindingPath, type EngineStamp, inspectNativeEngine, projectTfjsCoreDir, readStamp, STAMP_FILE, variantDir } from './native-engine.js';

const stampFor = (tfjsCoreDir: string): EngineStamp => ({
  schema: 1,
  variant: 'tfjs-node',
  tfjsNodeVersion: '4.22.0',
  tensorflowPackage: 'tensorflow-cpu',
  tensorflowVersion: '2.21.0',
  wheelFile: 'tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl',
  wheelSha256: 'c'.repeat(64),
  tfjsCoreDir,
  cudaPackages: [],
  builtAt: '2026-11-30T00:00:00.000Z',
  sizeBytes: 865_000_000,
});

/** A fake engine folder laid out as `engine install` leaves it (without the 788 MB library). */
function fakeEngine(options: { linkTo: string; hasBinding: boolean; stamp?: string }): string {
  const engineDir = mkdtempSync(path.join(tmpdir(), 'engine-'));
  const dir = variantDir(engineDir, 'tfjs-node');
  mkdirSync(path.join(dir, 'node_modules', '@tensorflow'), { recursive: true });
  symlinkSync(options.linkTo, path.join(dir, 'node_modules', '@tensorflow', 'tfjs-core'), 'dir');
  if (options.hasBinding) {
    mkdirSync(path.dirname(bindingPath(dir, 'tfjs-node')), { recursive: true });
    writeFileSync(bindingPath(dir, 'tfjs-node'), '');
  }
  writeFileSync(path.join(dir, STAMP_FILE), options.stamp ?? JSON.stringify(stampFor(options.linkTo)));
  return engineDir;
}

describe('inspectNativeEngine', () => {
  const core = projectTfjsCoreDir();

  it('resolves the project tfjs-core to a real folder', () => {
    expect(core).toBe(realpathSync(core));
    expect(path.basename(core)).toBe('tfjs-core');
  });

  it('says "not installed" and how to install for an empty folder', () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'engine-'));
    expect(inspectNativeEngine(empty, core)).toMatchObject({ isUsable: false, reason: expect.stringContaining('rakuten-ml engine install') });
  });

  it('is usable when built and linked to this checkout, and names the TensorFlow it came from', () => {
    const status = inspectNativeEngine(fakeEngine({ linkTo: core, hasBinding: true }), core);
    expect(status).toMatchObject({ isUsable: true, variant: 'tfjs-node', reason: 'tfjs-node 4.22.0 built from tensorflow-cpu 2.21.0' });
  });

  it('is not usable when linked to another checkout, and says how to relink', () => {
    const other = mkdtempSync(path.join(tmpdir(), 'other-core-'));
    const status = inspectNativeEngine(fakeEngine({ linkTo: other, hasBinding: true }), core);
    expect(status).toMatchObject({ isUsable: false, reason: expect.stringContaining('relink') });
  });

  it('is not usable when the binding is missing (an interrupted build)', () => {
    const status = inspectNativeEngine(fakeEngine({ linkTo: core, hasBinding: false }), core);
    expect(status).toMatchObject({ isUsable: false, reason: expect.stringContaining('binding is missing') });
  });

  it('reads an unreadable or foreign stamp as no stamp', () => {
    const engineDir = fakeEngine({ linkTo: core, hasBinding: true, stamp: '{"schema": 1, "variant": "tfjs-node"' });
    expect(readStamp(variantDir(engineDir, 'tfjs-node'))).toBeUndefined();
    expect(inspectNativeEngine(engineDir, core).isUsable).toBe(false);
  });
});
