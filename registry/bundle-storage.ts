import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { ConflictError, InputError, NotFoundError, UpstreamError } from '../core/index.js';
import { bundleDigest, MANIFEST_FILE, openBundle, readManifest } from '../models/bundle.js';
import type { BlobStore } from './blob-store.js';
import { recordEvent } from './events.js';
import type { RegistryDeps } from './registry-deps.js';
import { findVersion, type ModelVersion } from './versions.js';

/** Written last by a push: a version without it is not in the store (a re-run completes it). */
export const COMPLETE_MARKER = 'COMPLETE';

const completeSchema = z.object({
  formatVersion: z.literal(1),
  name: z.string(),
  version: z.number().int(),
  bundleSha256: z.string(),
  files: z.record(z.string(), z.object({ sha256: z.string(), bytes: z.number().int().nonnegative() })),
  pushedAt: z.string(),
  pushedBy: z.string(),
});

/** `models/<name>/<version>-<sha12>/`: content-addressed, so a version's objects are never overwritten. */
export function versionPrefix(
  version: Pick<ModelVersion, 'model_name' | 'version' | 'bundle_sha256'>,
): string {
  return `models/${version.model_name}/${version.version}-${version.bundle_sha256.slice(0, 12)}/`;
}

function requireStore(deps: RegistryDeps): BlobStore {
  if (!deps.store) throw new InputError('CONFIG_INVALID', 'No bundle store configured.');
  return deps.store;
}

async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk);
  return hash.digest('hex');
}

/** True when dir holds this exact bundle (manifest digest); file hashes are checked when it is opened. */
export async function holdsBundle(dir: string, bundleSha256: string): Promise<boolean> {
  if (!existsSync(path.join(dir, MANIFEST_FILE))) return false;
  try {
    return bundleDigest(await readManifest(dir)) === bundleSha256;
  } catch {
    // A malformed manifest is simply not this bundle; the caller falls back to the store.
    return false;
  }
}

/** Where a version's bundle is on this machine (its registered folder, or the pull cache), if anywhere. */
export async function localBundleDir(
  version: ModelVersion,
  cacheDir: string | undefined,
): Promise<string | undefined> {
  const candidates = [
    version.storage_uri && !/^[a-z][a-z0-9+.-]*:\/\//i.test(version.storage_uri)
      ? version.storage_uri
      : undefined,
    cacheDir
      ? path.join(cacheDir, version.model_name, `${version.version}-${version.bundle_sha256.slice(0, 12)}`)
      : undefined,
  ];
  for (const dir of candidates) {
    if (dir && (await holdsBundle(dir, version.bundle_sha256))) return dir;
  }
  return undefined;
}

export interface PushResult {
  name: string;
  version: number;
  location: string;
  /** Objects uploaded by this call (0 when the version was already complete in the store). */
  uploaded: number;
  isAlreadyPushed: boolean;
}

/**
 * Uploads a version's bundle: every file, then the COMPLETE marker, so a half-finished push is never
 * visible as a version. Files already uploaded whole by an interrupted push are not sent again.
 */
export async function pushVersion(
  input: { name: string; version: number },
  deps: RegistryDeps,
): Promise<PushResult> {
  const store = requireStore(deps);
  const version = await findVersion(deps.db, input.name, input.version);
  const prefix = versionPrefix(version);
  const location = `${store.location}${prefix}`;
  if (await store.stat(`${prefix}${COMPLETE_MARKER}`)) {
    return { name: input.name, version: input.version, location, uploaded: 0, isAlreadyPushed: true };
  }
  const dir = await localBundleDir(version, deps.cacheDir);
  if (!dir) {
    throw new NotFoundError(
      'BUNDLE_NOT_FOUND',
      `The bundle of ${input.name} v${input.version} is not on this machine.`,
      {
        hint: 'Push from the machine that registered it.',
      },
    );
  }
  const { manifest } = await openBundle(dir);
  const manifestBytes = await readFile(path.join(dir, MANIFEST_FILE));
  const files: Record<string, { sha256: string; bytes: number }> = {
    ...manifest.files,
    [MANIFEST_FILE]: {
      sha256: createHash('sha256').update(manifestBytes).digest('hex'),
      bytes: manifestBytes.byteLength,
    },
  };
  const names = Object.keys(files).sort();
  let uploaded = 0;
  for (const [index, name] of names.entries()) {
    const entry = files[name];
    const existing = await store.stat(`${prefix}${name}`);
    if (entry && existing?.bytes !== entry.bytes) {
      await store.putFile(`${prefix}${name}`, path.join(dir, name));
      uploaded += 1;
    }
    deps.onProgress?.({ stage: 'push', done: index + 1, total: names.length, detail: name });
  }
  const complete: z.infer<typeof completeSchema> = {
    formatVersion: 1,
    name: input.name,
    version: input.version,
    bundleSha256: version.bundle_sha256,
    files,
    pushedAt: new Date().toISOString(),
    pushedBy: deps.actor,
  };
  await store.putBytes(`${prefix}${COMPLETE_MARKER}`, Buffer.from(`${JSON.stringify(complete, null, 2)}\n`));
  await deps.db.transaction(async (tx) => {
    await tx.run(sql`UPDATE model_versions SET storage_uri = ${location}
      WHERE model_name = ${input.name} AND version = ${input.version}`);
    await recordEvent(tx, {
      modelName: input.name,
      action: 'push',
      version: input.version,
      actor: deps.actor,
      detail: { location, uploaded },
    });
  });
  deps.log.info({ name: input.name, version: input.version, location, uploaded }, 'version pushed');
  return { name: input.name, version: input.version, location, uploaded, isAlreadyPushed: false };
}

async function readComplete(
  store: BlobStore,
  version: ModelVersion,
): Promise<z.infer<typeof completeSchema>> {
  const prefix = versionPrefix(version);
  const raw = await store.getBytes(`${prefix}${COMPLETE_MARKER}`);
  if (!raw) {
    throw new NotFoundError(
      'STORE_NOT_PUSHED',
      `${version.model_name} v${version.version} is not in ${store.location}.`,
      {
        hint: `Push it first: rakuten-ml push ${version.model_name} ${version.version}`,
      },
    );
  }
  let parsed: ReturnType<typeof completeSchema.safeParse>;
  try {
    parsed = completeSchema.safeParse(JSON.parse(raw.toString('utf8')));
  } catch (error: unknown) {
    throw new UpstreamError(
      'STORE_OBJECT_CORRUPT',
      `${store.location}${prefix}${COMPLETE_MARKER} is not JSON.`,
      { cause: error },
    );
  }
  if (!parsed.success || parsed.data.bundleSha256 !== version.bundle_sha256) {
    throw new UpstreamError(
      'STORE_OBJECT_CORRUPT',
      `${store.location}${prefix}${COMPLETE_MARKER} does not describe this version.`,
    );
  }
  return parsed.data;
}

export interface PullResult {
  name: string;
  version: number;
  bundleDir: string;
  bundleSha256: string;
  /** False when the folder already held the verified bundle. */
  isDownloaded: boolean;
}

/**
 * Downloads a version (a number or an alias) into `to` (default the cache), checking each object's
 * sha256 and the bundle's digest before the folder appears; a corrupt object leaves nothing behind.
 */
export async function pullVersion(
  input: { name: string; ref: string | number; to?: string },
  deps: RegistryDeps,
): Promise<PullResult> {
  const store = requireStore(deps);
  const version = await findVersion(deps.db, input.name, input.ref);
  const base = { name: version.model_name, version: version.version, bundleSha256: version.bundle_sha256 };
  const target = path.resolve(
    input.to ??
      path.join(
        deps.cacheDir ?? '.',
        version.model_name,
        `${version.version}-${version.bundle_sha256.slice(0, 12)}`,
      ),
  );
  if (await holdsBundle(target, version.bundle_sha256)) {
    await openBundle(target);
    return { ...base, bundleDir: target, isDownloaded: false };
  }
  if (existsSync(target)) {
    throw new ConflictError('STORE_TARGET_EXISTS', `${target} exists and holds something else.`, {
      hint: 'Pull into an empty folder.',
    });
  }
  const complete = await readComplete(store, version);
  const prefix = versionPrefix(version);
  const staging = `${target}.partial-${randomUUID().slice(0, 8)}`;
  try {
    const names = Object.keys(complete.files).sort();
    for (const [index, name] of names.entries()) {
      const file = path.join(staging, ...name.split('/'));
      const isFound = await store.getFile(`${prefix}${name}`, file);
      const expected = complete.files[name]?.sha256;
      if (!isFound || (await sha256OfFile(file)) !== expected) {
        throw new UpstreamError(
          'STORE_OBJECT_CORRUPT',
          `${store.location}${prefix}${name} is ${isFound ? 'corrupt (sha256 mismatch)' : 'missing'}; refusing to pull ${version.model_name} v${version.version}.`,
          { hint: `Push the version again from a good copy (delete ${store.location}${prefix} first).` },
        );
      }
      deps.onProgress?.({ stage: 'pull', done: index + 1, total: names.length, detail: name });
    }
    const { manifest } = await openBundle(staging);
    if (bundleDigest(manifest) !== version.bundle_sha256) {
      throw new UpstreamError(
        'STORE_OBJECT_CORRUPT',
        `The bundle pulled from ${store.location}${prefix} is not v${version.version}.`,
      );
    }
    await rename(staging, target);
  } catch (error: unknown) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  await recordEvent(deps.db, {
    modelName: version.model_name,
    action: 'pull',
    version: version.version,
    actor: deps.actor,
    detail: { to: target },
  });
  deps.log.info({ name: version.model_name, version: version.version, to: target }, 'version pulled');
  return { ...base, bundleDir: target, isDownloaded: true };
}
