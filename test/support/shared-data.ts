import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../core/index.js';

/**
 * The folder with the real challenge data (RAKUTEN_DATA_DIR, else ../shared/data/rakuten).
 * Tests that need it fail with a clear message rather than skip: accuracy and training claims
 * must come from the real data.
 */
export function sharedDataDir(): string {
  const dir = loadConfig(process.env).dataDir;
  if (!dir || !existsSync(path.join(dir, 'X_train.csv'))) {
    throw new Error('Real challenge data not found: set RAKUTEN_DATA_DIR to the folder with X_train.csv.');
  }
  return dir;
}
