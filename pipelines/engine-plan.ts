/**
 * Decides what `engine install` has to do from the stamp of the last build, so a second run with
 * the same wheel does nothing. Pure: the install pipeline gathers the facts, this weighs them.
 */
import type { EngineStamp, NativeVariant } from '../models/engine/index.js';

export interface InstallRequest {
  variant: NativeVariant;
  tfjsNodeVersion: string;
  tensorflowPackage: string;
  tensorflowVersion: string;
  /** Known only for a local wheel (--wheel) before anything is downloaded. */
  wheelSha256?: string;
  isForced: boolean;
}

export interface InstalledFacts {
  stamp: EngineStamp | undefined;
  hasBinding: boolean;
  /** The build's @tensorflow/tfjs-core is this checkout's copy. */
  isLinkedHere: boolean;
}

export type InstallPlan = { action: 'build'; why: string } | { action: 'relink'; why: string } | { action: 'unchanged'; why: string };

export function planInstall(request: InstallRequest, facts: InstalledFacts): InstallPlan {
  const { stamp } = facts;
  if (request.isForced) return { action: 'build', why: '--force' };
  if (!stamp) return { action: 'build', why: 'no previous build' };
  if (!facts.hasBinding) return { action: 'build', why: 'the previous build has no binding (interrupted?)' };
  if (stamp.tfjsNodeVersion !== request.tfjsNodeVersion) {
    return { action: 'build', why: `tfjs-node ${stamp.tfjsNodeVersion} was built, ${request.tfjsNodeVersion} is wanted` };
  }
  if (request.wheelSha256 !== undefined) {
    if (request.wheelSha256 !== stamp.wheelSha256) return { action: 'build', why: 'a different wheel (sha256) than the one built from' };
  } else if (stamp.tensorflowPackage !== request.tensorflowPackage || stamp.tensorflowVersion !== request.tensorflowVersion) {
    return {
      action: 'build',
      why: `built from ${stamp.tensorflowPackage} ${stamp.tensorflowVersion}, ${request.tensorflowPackage} ${request.tensorflowVersion} is wanted`,
    };
  }
  if (!facts.isLinkedHere) return { action: 'relink', why: `linked to another checkout's tfjs (${stamp.tfjsCoreDir})` };
  return { action: 'unchanged', why: `already built from ${stamp.wheelFile} (sha256 ${stamp.wheelSha256.slice(0, 12)}…)` };
}
