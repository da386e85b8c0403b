import { existsSync } from 'node:fs';
import path from 'node:path';
import { InputError, NotFoundError } from '../core/index.js';
import { bundleDigest, readManifest } from '../models/bundle.js';
import { localBundleDir, pullVersion } from './bundle-storage.js';
import type { RegistryDeps } from './registry-deps.js';
import { findVersion } from './versions.js';

export interface ResolvedModel {
  /** Set when the reference went through the registry. */
  name?: string;
  version?: number;
  /** A local folder holding the bundle (pulled into the cache when it was only in the store). */
  bundleDir: string;
  bundleSha256: string;
}

export type ModelRef =
  | { kind: 'path'; dir: string }
  | { kind: 'registry'; name: string; versionOrAlias: string };

const REGISTRY_REF = /^([A-Za-z0-9][A-Za-z0-9_.-]*)@([A-Za-z0-9_-]+)$/;

/** `rakuten@champion`, `rakuten@3`, or a bundle folder (an existing path wins over the registry syntax). */
export function parseModelRef(ref: string): ModelRef {
  if (existsSync(ref) || ref.includes('/') || ref.includes(path.sep))
    return { kind: 'path', dir: path.resolve(ref) };
  const match = REGISTRY_REF.exec(ref);
  if (match?.[1] && match[2]) return { kind: 'registry', name: match[1], versionOrAlias: match[2] };
  throw new InputError(
    'REGISTRY_REF_INVALID',
    `"${ref}" is neither a bundle folder nor a registry reference.`,
    {
      hint: 'Use name@alias (rakuten@champion), name@version (rakuten@3) or a bundle directory.',
    },
  );
}

/**
 * Finds the bundle a reference names, locally or in the store, so `serve --model rakuten@champion`
 * works on any machine that shares the registry database and store.
 * @example const { bundleDir } = await resolveModelRef('rakuten@champion', deps);
 */
export async function resolveModelRef(ref: string, deps: RegistryDeps): Promise<ResolvedModel> {
  const parsed = parseModelRef(ref);
  if (parsed.kind === 'path') {
    const manifest = await readManifest(parsed.dir);
    return { bundleDir: parsed.dir, bundleSha256: bundleDigest(manifest) };
  }
  const version = await findVersion(deps.db, parsed.name, parsed.versionOrAlias);
  const base = { name: version.model_name, version: version.version, bundleSha256: version.bundle_sha256 };
  const local = await localBundleDir(version, deps.cacheDir);
  if (local) return { ...base, bundleDir: local };
  if (!deps.store || !deps.cacheDir) {
    throw new NotFoundError(
      'BUNDLE_NOT_FOUND',
      `${ref} (v${version.version}) is not on this machine and no store is configured.`,
      {
        hint: 'Configure the bundle store (RAKUTEN_ML_S3_BUCKET) or pull it.',
      },
    );
  }
  const pulled = await pullVersion({ name: version.model_name, ref: version.version }, deps);
  return { ...base, bundleDir: pulled.bundleDir };
}
