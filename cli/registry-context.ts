import path from 'node:path';
import type { RegistryDeps } from '../registry/index.js';
import { type CommandContext, type GlobalFlags, openContext } from './context.js';

/** Flags every registry-aware command takes. */
export interface RegistryFlags extends GlobalFlags {
  actor?: string;
}

/**
 * Opens what the registry needs from config and env: the database, the bundle store (S3 when
 * RAKUTEN_ML_S3_BUCKET is set, with the standard AWS settings; else <home>/store), the pull cache,
 * and an MLflow client when MLFLOW_TRACKING_URI is set. Used by register/promote/push/pull, train
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
  const env = process.env;
  const bucket = env.RAKUTEN_ML_S3_BUCKET;
  const store = bucket
    ? new registry.S3BlobStore({
        bucket,
        ...(env.RAKUTEN_ML_S3_PREFIX ? { prefix: env.RAKUTEN_ML_S3_PREFIX } : {}),
        ...(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL
          ? { endpoint: env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL }
          : {}),
        ...(env.AWS_REGION || env.AWS_DEFAULT_REGION
          ? { region: env.AWS_REGION || env.AWS_DEFAULT_REGION }
          : {}),
      })
    : new registry.LocalBlobStore(path.join(ctx.config.home, 'store'));
  const db = await openDatabase({ home: ctx.config.home, databaseUrl: ctx.config.databaseUrl });
  const deps: RegistryDeps = {
    db,
    log: ctx.log,
    actor: flags.actor ?? env.USER ?? env.USERNAME ?? 'unknown',
    store,
    cacheDir: path.join(ctx.config.home, 'cache', 'models'),
    ...(env.MLFLOW_TRACKING_URI
      ? { mlflow: new registry.MlflowClient({ trackingUri: env.MLFLOW_TRACKING_URI }) }
      : {}),
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

