import type { Logger, ProgressListener } from '../core/index.js';
import type { Database } from '../data/index.js';
import type { BlobStore } from './blob-store.js';
import type { MlflowClient } from './mlflow-client.js';

/** What the registry functions receive besides their input. */
export interface RegistryDeps {
  db: Database;
  log: Logger;
  /** Who makes a change, recorded in registry_events (the CLI passes --actor or $USER). */
  actor: string;
  /** Where pushed bundles live; needed by push, pull and resolving a version not on this machine. */
  store?: BlobStore;
  /** Where pulled bundles are cached: `<cacheDir>/<name>/<version>-<sha12>`. */
  cacheDir?: string;
  /** Set when MLFLOW_TRACKING_URI is: runs, versions and aliases are mirrored there. */
  mlflow?: MlflowClient;
  onProgress?: ProgressListener;
}

/** Timestamps are ISO-8601 text in both dialects (see data/db/schema-sqlite.ts). */
export function nowIso(): string {
  return new Date().toISOString();
}
