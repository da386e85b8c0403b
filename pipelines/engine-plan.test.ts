import { describe, expect, it } from 'vitest';
import type { EngineStamp } from '../models/engine/index.js';
import { type InstallRequest, planInstall } from './engine-plan.js';

const stamp: EngineStamp = {
  schema: 1,
  variant: 'tfjs-node',
  tfjsNodeVersion: '4.22.0',
  tensorflowPackage: 'tensorflow-cpu',
  tensorflowVersion: '2.21.0',
  wheelFile: 'tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl',
  wheelSha256: 'a'.repeat(64),
  tfjsCoreDir: '/project/node_modules/@tensorflow/tfjs-core',
  cudaPackages: [],
  builtAt: '2026-11-30T00:00:00.000Z',
  sizeBytes: 1,
};
const request: InstallRequest = { variant: 'tfjs-node', tfjsNodeVersion: '4.22.0', tensorflowPackage: 'tensorflow-cpu', tensorflowVersion: '2.21.0', isForced: false };
const built = { stamp, hasBinding: true, isLinkedHere: true };

describe('planInstall', () => {
  it('does nothing on a second run with the same TensorFlow version', () => {
    expect(planInstall(request, built).action).toBe('unchanged');
  });

  it('does nothing for the same wheel (sha256) and rebuilds for another one', () => {
    expect(planInstall({ ...request, wheelSha256: 'a'.repeat(64) }, built).action).toBe('unchanged');
    expect(planInstall({ ...request, wheelSha256: 'b'.repeat(64) }, built)).toMatchObject({ action: 'build', why: expect.stringContaining('sha256') });
  });

  it('builds when nothing was built, the binding is missing, or --force', () => {
    expect(planInstall(request, { ...built, stamp: undefined }).action).toBe('build');
    expect(planInstall(request, { ...built, hasBinding: false }).action).toBe('build');
    expect(planInstall({ ...request, isForced: true }, built).action).toBe('build');
  });

  it('rebuilds for another TensorFlow version or package, or another tfjs-node', () => {
    expect(planInstall({ ...request, tensorflowVersion: '2.20.0' }, built)).toMatchObject({ action: 'build', why: expect.stringContaining('2.20.0') });
    expect(planInstall({ ...request, tensorflowPackage: 'tensorflow' }, built).action).toBe('build');
    expect(planInstall({ ...request, tfjsNodeVersion: '4.23.0' }, built).action).toBe('build');
  });

  it('only relinks a build made from another checkout', () => {
    expect(planInstall(request, { ...built, isLinkedHere: false })).toMatchObject({ action: 'relink', why: expect.stringContaining(stamp.tfjsCoreDir) });
  });
});
