import path from 'node:path';
import { z } from 'zod';
import { InputError } from '../core/index.js';

const serveConfigSchema = z.object({
  /** HS256 key for the access tokens; the CLI reads it from RAKUTEN_ML_JWT_SECRET. */
  jwtSecret: z.string().min(32, 'at least 32 characters'),
  tokenTtlSeconds: z.number().int().positive().default(3600),
  /** Origins allowed by CORS; empty keeps CORS closed (no Access-Control-* headers). */
  corsOrigins: z.array(z.string().min(1)).default([]),
  rateLimit: z
    .object({ max: z.number().int().positive().default(600), windowMs: z.number().int().positive().default(60_000) })
    .default({ max: 600, windowMs: 60_000 }),
  maxImageBytes: z.number().int().positive().default(10 * 1024 * 1024),
  maxTextChars: z.number().int().positive().default(10_000),
  maxBatchItems: z.number().int().positive().default(64),
  /** Seller images go to `<uploadsDir>/<sha256>.<ext>`, content-addressed. */
  uploadsDir: z.string().min(1),
  /** Model refs (bundle dirs or registry refs such as `rakuten@champion`); at least one. */
  models: z
    .object({ model: z.string().min(1).optional(), textModel: z.string().min(1).optional(), imageModel: z.string().min(1).optional() })
    .refine((m) => Boolean(m.model ?? m.textModel ?? m.imageModel), 'name at least one of --model, --text-model, --image-model'),
  /** Re-resolve and reload the models this often; undefined: only on demand (SIGHUP). */
  reloadIntervalSeconds: z.number().positive().optional(),
  /** Title for the OpenAPI page. */
  openApiTitle: z.string().default('rakuten-ml seller API'),
});

export type ServeConfig = Readonly<z.infer<typeof serveConfigSchema>>;
export type ServeConfigInput = z.input<typeof serveConfigSchema>;

/** Validates the serve settings (built by the CLI from flags, env and the home folder). */
export function parseServeConfig(input: ServeConfigInput): ServeConfig {
  const parsed = serveConfigSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    const isSecret = parsed.error.issues.some((i) => i.path[0] === 'jwtSecret');
    throw new InputError(isSecret ? 'AUTH_SECRET_MISSING' : 'CONFIG_INVALID', `Invalid serve settings: ${problems.join('; ')}`, {
      hint: isSecret ? 'Set RAKUTEN_ML_JWT_SECRET to a random string of 32+ characters (openssl rand -hex 32).' : undefined,
    });
  }
  return Object.freeze(parsed.data);
}

export function defaultUploadsDir(home: string): string {
  return path.join(home, 'uploads');
}
