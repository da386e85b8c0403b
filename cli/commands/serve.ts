import type { Command } from 'commander';
import { InputError } from '../../core/index.js';
import { openContext } from '../context.js';
import { openRegistry, type RegistryFlags } from '../registry-context.js';

interface ServeFlags extends RegistryFlags {
  model?: string;
  textModel?: string;
  imageModel?: string;
  port: string;
  host: string;
  corsOrigin?: string[];
  rateLimit?: string;
  reloadInterval?: string;
  tokenTtl: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function positiveNumber(name: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new InputError('CONFIG_INVALID', `${name} must be a positive number, not "${raw}".`);
  return value;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'Serve the seller API (auth, predict, logs, products, /metrics, /docs) over HTTP.\n' +
        'The model used follows what was sent: text, image or both. SIGHUP re-resolves and reloads the models.\n' +
        'Env: RAKUTEN_ML_JWT_SECRET (required when NODE_ENV=production), RAKUTEN_ML_RATE_LIMIT.\n' +
        'A registry ref needs its alias set: `register` sets only challenger, `promote` sets champion.',
    )
    .option('--model <dir-or-ref>', 'a bundle dir or registry ref (e.g. rakuten@champion); a fusion model reads any subset')
    .option('--text-model <dir-or-ref>', 'a text model for text-only requests')
    .option('--image-model <dir-or-ref>', 'an image model for image-only requests')
    .option('--port <n>', 'TCP port', '8080')
    .option('--host <addr>', 'address to bind', '127.0.0.1')
    .option('--cors-origin <origin>', 'allow this browser origin (repeatable); CORS is closed by default', collect)
    .option('--rate-limit <n>', 'requests per minute per user (per IP when signed out; env RAKUTEN_ML_RATE_LIMIT, default 600)')
    .option('--reload-interval <s>', 'also re-resolve and reload the models every s seconds')
    .option('--token-ttl <s>', 'access token lifetime in seconds', '3600')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<ServeFlags>();
      const ctx = openContext(flags);
      // A person at a terminal reads the same one-line form as the "listening" line; logs stay JSON.
      const warn = (message: string) => {
        if (process.stderr.isTTY) process.stderr.write(`rakuten-ml serve: warning: ${message}\n`);
        else ctx.log.warn(message);
      };
      const secret = process.env.RAKUTEN_ML_JWT_SECRET;
      let jwtSecret = secret ?? '';
      if (!secret) {
        if (process.env.NODE_ENV === 'production') {
          throw new InputError('AUTH_SECRET_MISSING', 'RAKUTEN_ML_JWT_SECRET is not set.', {
            hint: 'Set it to a random string of 32+ characters (openssl rand -hex 32).',
          });
        }
        const { randomBytes } = await import('node:crypto');
        jwtSecret = randomBytes(32).toString('hex');
        warn('RAKUTEN_ML_JWT_SECRET is unset: using a random secret, tokens end with this process');
      }
      const [{ buildApp, defaultUploadsDir, parseServeConfig }, { useBackend }] = await Promise.all([
        import('../../serve/index.js'),
        import('../../models/engine/index.js'),
      ]);
      const config = parseServeConfig({
        jwtSecret,
        tokenTtlSeconds: positiveNumber('--token-ttl', flags.tokenTtl),
        corsOrigins: flags.corsOrigin ?? [],
        rateLimit: { max: ctx.config.serve.rateLimitPerMinute, windowMs: 60_000 },
        uploadsDir: defaultUploadsDir(ctx.config.home),
        models: { model: flags.model, textModel: flags.textModel, imageModel: flags.imageModel },
        reloadIntervalSeconds: flags.reloadInterval ? positiveNumber('--reload-interval', flags.reloadInterval) : undefined,
      });
      await useBackend({ preference: ctx.config.engine.backend, threads: ctx.config.engine.threads });
      const registry = await openRegistry(flags);
      const { db } = registry.deps;
      const { resolveModelRef } = await import('../../registry/index.js');
      // Request logs follow --verbose / RAKUTEN_ML_LOG_LEVEL (default warn: refusals and failures only).
      const log = ctx.log;
      // name@alias / name@version resolve through the registry (pulled from the store when needed).
      const resolveModel = async (ref: string) => {
        const resolved = await resolveModelRef(ref, registry.deps);
        return {
          bundleDir: resolved.bundleDir,
          version: resolved.version === undefined ? resolved.bundleSha256.slice(0, 12) : String(resolved.version),
          ...(resolved.name ? { name: resolved.name } : {}),
        };
      };
      const app = await buildApp(config, { db, log, resolveModel });
      const onHangup = () => {
        app.reloadModels().then(
          (result) => log.info(result, 'SIGHUP reload done'),
          (error: unknown) => log.error({ err: error }, 'SIGHUP reload failed'),
        );
      };
      process.on('SIGHUP', onHangup);
      const address = await app.listen({ port: Number(flags.port), host: flags.host });
      process.stderr.write(`rakuten-ml serve: listening on ${address} (docs: ${address}/docs)\n`);
      // Resolves when SIGINT/SIGTERM closes the server, so main() returns and picks the exit code.
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGHUP', onHangup);
          app.close().then(
            () => resolve(),
            () => resolve(),
          );
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await registry.close();
    });
}
