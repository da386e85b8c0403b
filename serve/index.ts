/** The serve stage: the seller-facing HTTP API (Fastify) and its account store. */

/** Builds the app (never listens). @example const app = await buildApp(config, { db }); await app.listen({ port }); */
export { buildApp, type ServeDeps } from './app.js';
/** Validates the serve settings the CLI assembles from flags and env. */
export { defaultUploadsDir, parseServeConfig, type ServeConfig, type ServeConfigInput } from './config.js';
/**
 * How a model ref becomes a bundle dir (the default treats the ref as a local directory), and the
 * set of loaded models that picks one per product from what it has (also used by `rakuten-ml predict`).
 */
export { loadModelSet, type ModelResolver, type ReloadResult, resolveLocalBundle } from './model-set.js';
/** Creates an account (e.g. the first admin from `rakuten-ml users create`). */
export { createUser, type PublicUser, type Role } from './users-store.js';
/** Live monitoring figures (PSI, confidence, live F1) shared by `rakuten-ml monitor` and /metrics. */
export { computeLiveFigures, type LiveFigures, populationStabilityIndex } from './monitor-gauges.js';
