import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { InputError, type Logger } from '../core/index.js';
import type { Database } from '../data/index.js';
import type { ApiDeps } from './api-deps.js';
import { installBodyChecks } from './body-checks.js';
import { installMethodNotAllowed } from './method-not-allowed.js';
import type { ServeConfig } from './config.js';
import { createServeMetrics } from './metrics.js';
import { type ClassifierLoader, loadModelSet, type ModelResolver, type ReloadResult, resolveLocalBundle } from './model-set.js';
import { toOpenApi30 } from './openapi-document.js';
import { installAuth } from './plugins/auth.js';
import { authRoutes } from './plugins/auth-routes.js';
import { logsPlugin } from './plugins/logs.js';
import { opsPlugin } from './plugins/ops.js';
import { predictPlugin } from './plugins/predict.js';
import { productsPlugin } from './plugins/products.js';
import { usersPlugin } from './plugins/users.js';
import { installProblemHandler } from './problem.js';
import { createTokenSigner } from './tokens.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Resolves the model refs again and swaps in new versions; the old ones keep serving on failure. */
    reloadModels(): Promise<ReloadResult>;
  }
}

export interface ServeDeps {
  db: Database;
  /** The request logger (pino); none: silent. */
  log?: Logger;
  /** Registry refs (`rakuten@champion`) to bundle dirs; default: the ref is a bundle directory. */
  resolveModel?: ModelResolver;
  /** Default: models/load-classifier (hash-checked bundles). */
  loadClassifier?: ClassifierLoader;
}

const API_CSP = { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] };
const DOCS_CSP =
  "default-src 'self'; base-uri 'self'; connect-src 'self'; font-src 'self' data:; form-action 'self'; frame-ancestors 'self'; " +
  "img-src 'self' data:; object-src 'none'; script-src 'self'; script-src-attr 'none'; style-src 'self'";

/** `60000` -> "minute", `30000` -> "30 seconds": the limiter's window, for its 429 message. */
function describeWindow(windowMs: number): string {
  if (windowMs === 60_000) return 'minute';
  if (windowMs % 60_000 === 0) return `${windowMs / 60_000} minutes`;
  return `${windowMs / 1000} seconds`;
}

/**
 * The seller-facing HTTP API, ready for `inject()` or `listen()` (only `rakuten-ml serve` listens).
 * Loads the models first: a model that cannot load fails here, not on the first request.
 *
 * @example const app = await buildApp(parseServeConfig({ jwtSecret, uploadsDir, models: { model: dir } }), { db });
 */
export async function buildApp(config: ServeConfig, deps: ServeDeps): Promise<FastifyInstance> {
  const { silentLogger } = await import('../core/index.js');
  const log = deps.log ?? silentLogger();
  const load = deps.loadClassifier ?? (await import('../models/load-classifier.js')).loadClassifier;
  const models = await loadModelSet({ refs: config.models, resolve: deps.resolveModel ?? resolveLocalBundle, load, log });
  const metrics = createServeMetrics();
  metrics.setModels(models.list());
  const api: ApiDeps = { config, db: deps.db, models, metrics, tokens: createTokenSigner({ secret: config.jwtSecret, ttlSeconds: config.tokenTtlSeconds }) };

  const loggerInstance: FastifyBaseLogger = log;
  const app = Fastify({ loggerInstance, bodyLimit: 1024 * 1024, return503OnClosing: true });
  app.decorate('reloadModels', async () => {
    const result = await models.reload();
    metrics.setModels(models.list());
    return result;
  });
  app.decorateRequest('user', null);
  installProblemHandler(app);
  installBodyChecks(app);
  installMethodNotAllowed(app);
  app.addHook('onResponse', async (request, reply) => {
    metrics.observeRequest(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: reply.statusCode },
      reply.elapsedTime / 1000,
    );
  });
  const timer = config.reloadIntervalSeconds
    ? setInterval(() => void app.reloadModels(), config.reloadIntervalSeconds * 1000).unref()
    : undefined;
  app.addHook('onClose', async () => {
    if (timer) clearInterval(timer);
    models.dispose();
  });

  // A JSON API renders nothing: its CSP forbids everything; /docs sets its own below.
  await app.register(helmet, { contentSecurityPolicy: { useDefaults: false, directives: API_CSP } });
  // CORS stays closed (no Access-Control-* headers at all) unless origins are named.
  if (config.corsOrigins.length > 0) await app.register(cors, { origin: [...config.corsOrigins] });
  await app.register(rateLimit, {
    global: true,
    max: config.rateLimit.max,
    timeWindow: config.rateLimit.windowMs,
    // preHandler runs after the auth hook, so a signed-in seller is limited per account, not per IP.
    hook: 'preHandler',
    keyGenerator: (request) => (request.user ? `user:${request.user.id}` : `ip:${request.ip}`),
    // context.after is the time left until the window resets, not the window itself.
    errorResponseBuilder: (_request, context) =>
      new InputError('SERVE_RATE_LIMITED', `Rate limit reached: ${context.max} requests per ${describeWindow(config.rateLimit.windowMs)}.`, {
        hint: `Try again in ${context.after} (the retry-after header says when).`,
      }),
  });
  await app.register(swagger, {
    openapi: {
      info: { title: config.openApiTitle, version: '0.1.0' },
      // No document-wide security: the protected context marks its own routes (plugins/auth.ts).
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
    transformObject: (document) => ('openapiObject' in document ? toOpenApi30(document.openapiObject) : document.swaggerObject),
  });
  // Swagger UI loads only its own files (no inline script) and fetches /docs/json; no validator badge.
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: DOCS_CSP, uiConfig: { validatorUrl: null } });

  await app.register(opsPlugin, api);
  await app.register(authRoutes, api);
  await app.register(async (protectedScope) => {
    installAuth(protectedScope, api);
    await protectedScope.register(usersPlugin, api);
    await protectedScope.register(predictPlugin, api);
    await protectedScope.register(logsPlugin, api);
    await protectedScope.register(productsPlugin, api);
  });
  await app.ready();
  return app;
}
