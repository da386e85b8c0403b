import type { Logger, ProgressListener } from '../core/index.js';
import type { Database } from './db/database.js';

/** What every data stage function receives besides its input. */
export interface StageDeps {
  db: Database;
  log: Logger;
  onProgress?: ProgressListener;
}
