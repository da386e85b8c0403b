/** `rakuten-ml engine status`: what is installed in the engine folder and which backend actually runs. */
import type { Config } from '../core/index.js';
import { messageOf } from '../core/index.js';
import {
  defaultNativeEngineDir,
  type EngineInfo,
  inspectNativeEngine,
  NATIVE_VARIANTS,
  type NativeEngineStatus,
  projectTfjsCoreDir,
  readStamp,
  useBackend,
  variantDir,
} from '../models/engine/index.js';

export interface EngineStatus {
  native: NativeEngineStatus;
  builds: { variant: string; tensorflowPackage: string; tensorflowVersion: string; builtAt: string; sizeBytes: number }[];
  /** The backend `--backend <config>` starts, or why it failed. */
  running: (EngineInfo & { ok: true }) | { ok: false; error: string };
}

export async function describeEngine(config: Config, userHomeDir: string): Promise<EngineStatus> {
  const engineDir = defaultNativeEngineDir(userHomeDir);
  const native = inspectNativeEngine(engineDir, projectTfjsCoreDir());
  const builds = NATIVE_VARIANTS.flatMap((variant) => {
    const stamp = readStamp(variantDir(engineDir, variant));
    return stamp ? [{ variant, tensorflowPackage: stamp.tensorflowPackage, tensorflowVersion: stamp.tensorflowVersion, builtAt: stamp.builtAt, sizeBytes: stamp.sizeBytes }] : [];
  });
  let running: EngineStatus['running'];
  try {
    running = { ...(await useBackend({ preference: config.engine.backend, threads: config.engine.threads, nativeDir: engineDir })), ok: true };
  } catch (error: unknown) {
    running = { ok: false, error: messageOf(error) };
  }
  return { native, builds, running };
}

export function formatEngineStatus(s: EngineStatus): string {
  return [
    `native engine  ${s.native.isUsable ? 'usable' : 'not usable'}: ${s.native.reason}`,
    `folder         ${s.native.engineDir}`,
    ...s.builds.map((b) => `build          ${b.variant} from ${b.tensorflowPackage} ${b.tensorflowVersion}, ${Math.round(b.sizeBytes / 1e6)} MB, ${b.builtAt}`),
    s.running.ok
      ? `running        ${s.running.backend} (${s.running.package})${s.running.tensorflowVersion ? `, TensorFlow ${s.running.tensorflowVersion}` : ''}\nwhy            ${s.running.reason}`
      : `running        none: ${s.running.error}`,
  ].join('\n');
}
