/**
 * Where the native TensorFlow engine (tfjs-node built by `rakuten-ml engine install`) lives, and
 * whether it can be used by this checkout. No tfjs import here: doctor and `engine status` read it
 * without starting a backend.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { z } from 'zod';

export const NATIVE_VARIANTS = ['tfjs-node-gpu', 'tfjs-node'] as const;
export type NativeVariant = (typeof NATIVE_VARIANTS)[number];

/** The tfjs-node release whose binding we build; it must match the project's tfjs (4.22.0). */
export const TFJS_NODE_VERSION = '4.22.0';

/**
 * The packages tfjs-node would otherwise install a second copy of. They are links to the project's
 * own copies, so the binding registers its backend on the tfjs-core instance the models import.
 */
export const LINKED_TFJS_PACKAGES = [
  'tfjs',
  'tfjs-core',
  'tfjs-layers',
  'tfjs-converter',
  'tfjs-data',
  'tfjs-backend-cpu',
  'tfjs-backend-webgl',
] as const;

export const STAMP_FILE = 'engine-stamp.json';

const stampSchema = z.object({
  schema: z.literal(1),
  variant: z.enum(NATIVE_VARIANTS),
  tfjsNodeVersion: z.string(),
  tensorflowPackage: z.string(),
  tensorflowVersion: z.string(),
  wheelFile: z.string(),
  wheelSha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** The real path of the project's @tensorflow/tfjs-core the links point to. */
  tfjsCoreDir: z.string(),
  cudaPackages: z.array(z.string()),
  builtAt: z.string(),
  sizeBytes: z.number().int().nonnegative(),
});

/** What `engine install` records after a verified build; a rerun compares against it. */
export type EngineStamp = z.infer<typeof stampSchema>;

/** The default engine folder: user-level, so every checkout and every --home share one build. */
export function defaultNativeEngineDir(userHomeDir: string): string {
  return path.join(userHomeDir, '.cache', 'rakuten-ml', 'engine');
}

export function variantDir(engineDir: string, variant: NativeVariant): string {
  return path.join(engineDir, variant);
}

/** The package folder of the built tfjs-node(-gpu) inside a variant folder. */
export function nativePackageDir(dir: string, variant: NativeVariant): string {
  return path.join(dir, 'node_modules', '@tensorflow', variant);
}

/** Where node-pre-gyp looks for the binding (package.json "binary" with N-API 8). */
export function bindingPath(dir: string, variant: NativeVariant): string {
  return path.join(nativePackageDir(dir, variant), 'lib', 'napi-v8', 'tfjs_binding.node');
}

/** The stamp, or undefined when absent or unreadable (an unreadable stamp means "rebuild"). */
export function readStamp(dir: string): EngineStamp | undefined {
  const file = path.join(dir, STAMP_FILE);
  if (!existsSync(file)) return undefined;
  try {
    const parsed = stampSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    // A half-written or hand-edited stamp is treated as no stamp: the next install rebuilds.
    return undefined;
  }
}

/** The real folder of the @tensorflow/tfjs-core this project imports. */
export function projectTfjsCoreDir(): string {
  const require = createRequire(import.meta.url);
  return realpathSync(path.dirname(require.resolve('@tensorflow/tfjs-core/package.json')));
}

function realpathOrUndefined(file: string): string | undefined {
  try {
    return realpathSync(file);
  } catch {
    return undefined;
  }
}

/** True when the variant's @tensorflow/tfjs-core is this project's copy (one tfjs instance). */
export function linksPointTo(dir: string, tfjsCoreDir: string): boolean {
  return realpathOrUndefined(path.join(dir, 'node_modules', '@tensorflow', 'tfjs-core')) === realpathOrUndefined(tfjsCoreDir);
}

export interface NativeEngineStatus {
  engineDir: string;
  /** The variant that would load (GPU first), when one is installed. */
  variant?: NativeVariant;
  stamp?: EngineStamp;
  /** True when the build is complete and linked to this project's tfjs. */
  isUsable: boolean;
  reason: string;
}

/** Looks at the engine folder without loading anything. */
export function inspectNativeEngine(engineDir: string, tfjsCoreDir: string): NativeEngineStatus {
  const problems: string[] = [];
  for (const variant of NATIVE_VARIANTS) {
    const dir = variantDir(engineDir, variant);
    const stamp = readStamp(dir);
    if (!stamp) continue;
    if (!existsSync(bindingPath(dir, variant))) {
      problems.push(`${variant}: the binding is missing (interrupted build?)`);
      continue;
    }
    if (!linksPointTo(dir, tfjsCoreDir)) {
      return {
        engineDir,
        variant,
        stamp,
        isUsable: false,
        reason: `${variant} is linked to another checkout's tfjs (${stamp.tfjsCoreDir}); run \`rakuten-ml engine install\` here to relink it (no rebuild)`,
      };
    }
    return { engineDir, variant, stamp, isUsable: true, reason: `${variant} ${stamp.tfjsNodeVersion} built from ${stamp.tensorflowPackage} ${stamp.tensorflowVersion}` };
  }
  const reason = problems.length > 0 ? problems.join('; ') : `not installed in ${engineDir} (run \`rakuten-ml engine install\`)`;
  return { engineDir, isUsable: false, reason };
}
