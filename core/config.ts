import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { InputError } from './errors.js';

export const BACKEND_CHOICES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

const configSchema = z.object({
  /** Folder for everything generated: database, image cache, bundles, reports. */
  home: z.string().min(1),
  /** Folder with the official challenge files, or undefined when none is found. */
  dataDir: z.string().min(1).optional(),
  /** postgres://… selects PostgreSQL; unset selects the embedded SQLite file under home. */
  databaseUrl: z.string().url().optional(),
  engine: z.object({
    backend: z.enum(BACKEND_CHOICES).default('auto'),
    threads: z.coerce.number().int().positive().optional(),
  }),
  /**
   * The bundle store: S3 (any S3-protocol endpoint) when a bucket is set, else `<home>/store`.
   * Credentials are not here: the AWS SDK reads them from its own env/profile chain.
   */
  s3: z
    .object({
      bucket: z.string().min(1),
      prefix: z.string().min(1).optional(),
      endpoint: z.string().url().optional(),
      region: z.string().min(1).optional(),
    })
    .optional(),
  /** Runs, versions and aliases are mirrored to this MLflow server when set. */
  mlflow: z.object({ trackingUri: z.string().url() }).optional(),
  /** `rakuten-ml serve`: requests per minute per user (per IP when signed out). */
  serve: z.object({ rateLimitPerMinute: z.coerce.number().int().positive().default(600) }),
  // Commands print their own summaries; structured logs are for --verbose or RAKUTEN_ML_LOG_LEVEL=info.
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('warn'),
});

export type Config = Readonly<z.infer<typeof configSchema>>;

/** Flags a command may pass; they win over the environment. */
export interface ConfigFlags {
  home?: string;
  dataDir?: string;
  databaseUrl?: string;
  backend?: string;
  threads?: string | number;
  logLevel?: string;
  /** serve --rate-limit, over RAKUTEN_ML_RATE_LIMIT. */
  rateLimit?: string | number;
}

const DEFAULT_SHARED_DATA_DIR = '../shared/data/rakuten';

function defaultDataDir(cwd: string): string | undefined {
  const candidate = path.resolve(cwd, DEFAULT_SHARED_DATA_DIR);
  return existsSync(candidate) ? candidate : undefined;
}

/**
 * Layers flags over env (`RAKUTEN_ML_*`, plus the standard `RAKUTEN_DATA_DIR`, `DATABASE_URL`,
 * `AWS_ENDPOINT_URL[_S3]`, `AWS_REGION`/`AWS_DEFAULT_REGION` and `MLFLOW_TRACKING_URI`) over defaults. Throws an InputError naming every bad key.
 */
export function loadConfig(
  env: Record<string, string | undefined>,
  flags: ConfigFlags = {},
  cwd: string = process.cwd(),
): Config {
  const dataDir = flags.dataDir ?? env.RAKUTEN_DATA_DIR ?? defaultDataDir(cwd);
  const raw = {
    home: path.resolve(cwd, flags.home ?? env.RAKUTEN_ML_HOME ?? '.rakuten-ml'),
    dataDir: dataDir === undefined ? undefined : path.resolve(cwd, dataDir),
    databaseUrl: flags.databaseUrl ?? (env.DATABASE_URL || undefined),
    engine: {
      backend: flags.backend ?? env.RAKUTEN_ML_BACKEND ?? undefined,
      threads: flags.threads ?? env.RAKUTEN_ML_THREADS ?? undefined,
    },
    logLevel: flags.logLevel ?? env.RAKUTEN_ML_LOG_LEVEL ?? undefined,
    s3: env.RAKUTEN_ML_S3_BUCKET
      ? {
          bucket: env.RAKUTEN_ML_S3_BUCKET,
          prefix: env.RAKUTEN_ML_S3_PREFIX || undefined,
          // AWS_ENDPOINT_URL_S3 is the SDK's service-specific override of AWS_ENDPOINT_URL.
          endpoint: env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined,
          region: env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined,
        }
      : undefined,
    mlflow: env.MLFLOW_TRACKING_URI ? { trackingUri: env.MLFLOW_TRACKING_URI } : undefined,
    serve: { rateLimitPerMinute: flags.rateLimit ?? (env.RAKUTEN_ML_RATE_LIMIT || undefined) },
  };
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new InputError('CONFIG_INVALID', `Invalid configuration: ${problems.join('; ')}`, {
      hint: 'Check the flags and the RAKUTEN_ML_* / RAKUTEN_DATA_DIR / DATABASE_URL / AWS_* / MLFLOW_TRACKING_URI environment variables.',
    });
  }
  return Object.freeze(parsed.data);
}
