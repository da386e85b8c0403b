import { randomUUID } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { InputError, messageOf, UpstreamError } from '../core/index.js';

export interface BlobStat {
  bytes: number;
}

/**
 * Where pushed bundles live, as flat keys (`models/rakuten/3-ab12cd34ef56/model.json`). Every write is
 * atomic (an object is visible whole or not at all), which is what lets a push write its files first
 * and a COMPLETE marker last. Two implementations: LocalBlobStore and S3BlobStore.
 */
export interface BlobStore {
  /** file:///… or s3://bucket/prefix; a key appended to it names the object. */
  readonly location: string;
  putFile(key: string, file: string): Promise<void>;
  putBytes(key: string, data: Uint8Array): Promise<void>;
  /** Downloads an object to a file (creating its folder); false when there is no such object. */
  getFile(key: string, file: string): Promise<boolean>;
  /** An object's content, or undefined when there is no such object. */
  getBytes(key: string): Promise<Buffer | undefined>;
  stat(key: string): Promise<BlobStat | undefined>;
  /** Keys under a prefix, sorted. */
  list(prefix: string): Promise<string[]>;
  close(): Promise<void>;
}

/** Keys are relative, slash-separated and never climb out of the store. */
export function assertValidKey(key: string): void {
  const normalised = path.posix.normalize(key);
  if (key.length === 0 || key.startsWith('/') || normalised !== key || normalised.startsWith('..')) {
    throw new InputError('REGISTRY_REF_INVALID', `Invalid object key "${key}".`);
  }
}

function isMissing(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'ENOENT';
}

/** A folder on this machine (by default `<home>/store`); objects are plain files, renamed into place. */
export class LocalBlobStore implements BlobStore {
  readonly location: string;
  readonly #root: string;

  constructor(root: string) {
    this.#root = path.resolve(root);
    this.location = pathToFileURL(`${this.#root}/`).href;
  }

  #pathOf(key: string): string {
    assertValidKey(key);
    return path.join(this.#root, ...key.split('/'));
  }

  async #atomically(key: string, write: (tmp: string) => Promise<void>): Promise<void> {
    const target = this.#pathOf(key);
    const tmp = `${target}.tmp-${randomUUID().slice(0, 8)}`;
    try {
      await mkdir(path.dirname(target), { recursive: true });
      await write(tmp);
      await rename(tmp, target);
    } catch (error: unknown) {
      await rm(tmp, { force: true });
      throw new UpstreamError(
        'STORE_UNREACHABLE',
        `Could not write ${key} under ${this.#root}: ${messageOf(error)}`,
        {
          cause: error,
        },
      );
    }
  }

  putFile(key: string, file: string): Promise<void> {
    return this.#atomically(key, (tmp) => copyFile(file, tmp));
  }

  putBytes(key: string, data: Uint8Array): Promise<void> {
    return this.#atomically(key, (tmp) => writeFile(tmp, data));
  }

  async getFile(key: string, file: string): Promise<boolean> {
    const source = this.#pathOf(key);
    try {
      await mkdir(path.dirname(file), { recursive: true });
      await copyFile(source, file);
      return true;
    } catch (error: unknown) {
      if (isMissing(error)) return false;
      throw new UpstreamError(
        'STORE_UNREACHABLE',
        `Could not read ${key} under ${this.#root}: ${messageOf(error)}`,
        {
          cause: error,
        },
      );
    }
  }

  async getBytes(key: string): Promise<Buffer | undefined> {
    const file = this.#pathOf(key);
    try {
      return await readFile(file);
    } catch (error: unknown) {
      if (isMissing(error)) return undefined;
      throw new UpstreamError('STORE_UNREACHABLE', `Could not read ${key}: ${messageOf(error)}`, {
        cause: error,
      });
    }
  }

  async stat(key: string): Promise<BlobStat | undefined> {
    const file = this.#pathOf(key);
    try {
      const info = await stat(file);
      return info.isFile() ? { bytes: info.size } : undefined;
    } catch (error: unknown) {
      if (isMissing(error)) return undefined;
      throw new UpstreamError('STORE_UNREACHABLE', `Could not stat ${key}: ${messageOf(error)}`, {
        cause: error,
      });
    }
  }

  async list(prefix: string): Promise<string[]> {
    let entries: Dirent[];
    try {
      entries = await readdir(this.#root, { recursive: true, withFileTypes: true });
    } catch (error: unknown) {
      if (isMissing(error)) return [];
      throw new UpstreamError('STORE_UNREACHABLE', `Could not list ${this.#root}: ${messageOf(error)}`, {
        cause: error,
      });
    }
    return entries
      .filter((d) => d.isFile() && !/\.tmp-[0-9a-f]{8}$/.test(d.name))
      .map((d) => path.relative(this.#root, path.join(d.parentPath, d.name)).split(path.sep).join('/'))
      .filter((key) => key.startsWith(prefix))
      .sort();
  }

  async close(): Promise<void> {}
}
