import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { InputError, NotFoundError } from '../core/index.js';

export const MANIFEST_FILE = 'manifest.json';

const fileEntrySchema = z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.number().int().nonnegative() });

const manifestSchema = z.object({
  formatVersion: z.literal(1),
  /** The model family, e.g. `text-lstm`; serve and evaluate pick the loader by it. */
  kind: z.string().min(1),
  createdAt: z.string(),
  files: z.record(z.string(), fileEntrySchema),
  /** Everything needed to reproduce and serve: labels, preprocessing, metrics, data and engine versions. */
  metadata: z.record(z.string(), z.unknown()),
});

export type BundleManifest = z.infer<typeof manifestSchema>;

export interface BundleContents {
  kind: string;
  /** Relative path -> content. */
  files: Record<string, Uint8Array | string>;
  metadata: Record<string, unknown>;
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The content id of a bundle: the sha256 of its manifest, which pins every file's sha256. */
export function bundleDigest(manifest: BundleManifest): string {
  return sha256Hex(JSON.stringify(manifest));
}

function assertSafeRelativePath(file: string): void {
  const normalised = path.posix.normalize(file);
  if (normalised.startsWith('..') || path.isAbsolute(normalised) || normalised === MANIFEST_FILE) {
    throw new InputError('BUNDLE_CORRUPT', `Bundle file name not allowed: ${file}`);
  }
}

/**
 * Writes a bundle directory atomically: files go to a sibling temp folder first, which is renamed
 * into place only once complete, so a crash never leaves a half-written bundle under `dir`.
 */
export async function writeBundle(dir: string, contents: BundleContents): Promise<BundleManifest> {
  const staging = `${dir}.partial-${randomUUID().slice(0, 8)}`;
  await mkdir(staging, { recursive: true });
  try {
    const files: BundleManifest['files'] = {};
    for (const [name, data] of Object.entries(contents.files).sort(([a], [b]) => a.localeCompare(b))) {
      assertSafeRelativePath(name);
      const target = path.join(staging, name);
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, data);
      files[name] = { sha256: sha256Hex(data), bytes: typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength };
    }
    const manifest: BundleManifest = {
      formatVersion: 1,
      kind: contents.kind,
      createdAt: new Date().toISOString(),
      files,
      metadata: contents.metadata,
    };
    await writeFile(path.join(staging, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    if (existsSync(dir)) await rm(dir, { recursive: true, force: true });
    await mkdir(path.dirname(dir), { recursive: true });
    await rename(staging, dir);
    return manifest;
  } catch (error: unknown) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

/** Reads and validates a bundle's manifest without checking file hashes. */
export async function readManifest(dir: string): Promise<BundleManifest> {
  const file = path.join(dir, MANIFEST_FILE);
  if (!existsSync(file)) {
    throw new NotFoundError('BUNDLE_NOT_FOUND', `No model bundle at ${dir} (no ${MANIFEST_FILE}).`, {
      hint: 'Pass the directory written by `rakuten-ml train`, or a registry name such as rakuten@champion.',
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error: unknown) {
    throw new InputError('BUNDLE_CORRUPT', `The bundle manifest ${file} is not valid JSON.`, { cause: error });
  }
  const result = manifestSchema.safeParse(parsed);
  if (!result.success) {
    throw new InputError('BUNDLE_CORRUPT', `The bundle manifest ${file} is malformed: ${result.error.issues[0]?.message ?? ''}`);
  }
  return result.data;
}

/**
 * Opens a bundle and checks every file against its sha256 (and that no file is missing or extra),
 * so a bundle that was tampered with or half-copied refuses to load.
 */
export async function openBundle(dir: string): Promise<{ manifest: BundleManifest; read: (name: string) => Promise<Buffer> }> {
  const manifest = await readManifest(dir);
  const contents = new Map<string, Buffer>();
  for (const [name, entry] of Object.entries(manifest.files)) {
    assertSafeRelativePath(name);
    const file = path.join(dir, name);
    if (!existsSync(file)) {
      throw new InputError('BUNDLE_CORRUPT', `Bundle ${dir} is missing ${name}.`, { hint: 'Pull or rebuild the bundle.' });
    }
    const data = await readFile(file);
    if (sha256Hex(data) !== entry.sha256) {
      throw new InputError('BUNDLE_CORRUPT', `Bundle ${dir}: ${name} does not match its sha256; refusing to load it.`, {
        hint: 'The file changed after the bundle was written. Pull it again from the registry or retrain.',
      });
    }
    contents.set(name, data);
  }
  const listed = new Set([...Object.keys(manifest.files), MANIFEST_FILE]);
  const extra = (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((d) => d.isFile())
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name)).split(path.sep).join('/'))
    .filter((name) => !listed.has(name));
  if (extra.length > 0) {
    throw new InputError('BUNDLE_CORRUPT', `Bundle ${dir} holds files its manifest does not list: ${extra.join(', ')}.`);
  }
  return {
    manifest,
    read: async (name) => {
      const data = contents.get(name);
      if (!data) throw new InputError('BUNDLE_CORRUPT', `Bundle ${dir} has no file ${name}.`);
      return data;
    },
  };
}
