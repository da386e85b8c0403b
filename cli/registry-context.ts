import path from 'node:path';
import type { RegistryDeps } from '../registry/index.js';
import { type CommandContext, type GlobalFlags, openContext } from './context.js';

/** Flags every registry-aware command takes. */
export interface RegistryFlags extends GlobalFlags {
  actor?: string;
}

/**
 * Opens what the registry needs from the config (core/config.ts parses every setting): the database,
 * the bundle store (S3 when RAKUTEN_ML_S3_BUCKET is set; else <home>/store), the pull cache, and an
 * MLflow client when MLFLOW_TRACKING_URI is set. Used by register/promote/push/pull, train
 * (to record runs) and serve (to resolve name@alias).
 */
export async function openRegistry(
  flags: RegistryFlags,
): Promise<{ ctx: CommandContext; deps: RegistryDeps; close: () => Promise<void> }> {
  const ctx = openContext(flags);
  const [{ openDatabase }, registry] = await Promise.all([
    import('../data/index.js'),
    import('../registry/index.js'),
  ]);
  const { s3 } = ctx.config;
  const store = s3
    ? new registry.S3BlobStore({
        bucket: s3.bucket,
        ...(s3.prefix ? { prefix: s3.prefix } : {}),
        ...(s3.endpoint ? { endpoint: s3.endpoint } : {}),
        ...(s3.region ? { region: s3.region } : {}),
      })
    : new registry.LocalBlobStore(path.join(ctx.config.home, 'store'));
  const db = await openDatabase({ home: ctx.config.home, databaseUrl: ctx.config.databaseUrl });
  const deps: RegistryDeps = {
    db,
    log: ctx.log,
    actor: flags.actor ?? process.env.USER ?? process.env.USERNAME ?? 'unknown',
    store,
    cacheDir: path.join(ctx.config.home, 'cache', 'models'),
    ...(ctx.config.mlflow ? { mlflow: new registry.MlflowClient({ trackingUri: ctx.config.mlflow.trackingUri }) } : {}),
    onProgress: (p) => ctx.progress.update(p),
  };
  return {
    ctx,
    deps,
    close: async () => {
      ctx.progress.stop();
      await store.close();
      await db.close();
    },
  };
}

