import type { Database } from '../data/index.js';
import type { ServeConfig } from './config.js';
import type { ServeMetrics } from './metrics.js';
import type { ModelSet } from './model-set.js';
import type { TokenSigner } from './tokens.js';

/** What every API plugin gets from buildApp. */
export interface ApiDeps {
  config: ServeConfig;
  db: Database;
  models: ModelSet;
  metrics: ServeMetrics;
  tokens: TokenSigner;
}
