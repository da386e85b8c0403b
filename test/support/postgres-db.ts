import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { type Database, openDatabase } from '../../data/index.js';

/** A migrated database for one test, and how to throw it away. */
export interface TestDatabase {
  db: Database;
  /** A temp home folder beside it (stores, caches). */
  home: string;
  cleanup: () => Promise<void>;
}

export interface DatabaseBackend {
  name: 'SQLite' | 'PostgreSQL';
  open: () => Promise<TestDatabase>;
  /** Set when the backend cannot run here: its suite is registered with `describe.skipIf`, so it counts as skipped. */
  skipReason?: string;
}

export function makeTempHome(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), `rakuten-${prefix}-`));
}

async function withAdmin<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * A uniquely named PostgreSQL database per open (as in data-stage.test.ts: drizzle-kit writes
 * "public"-qualified foreign keys, so a fresh schema would not isolate), dropped in cleanup.
 */
async function openPostgres(adminUrl: string): Promise<TestDatabase> {
  const name = `rakuten_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withAdmin(adminUrl, (c) => c.query(`CREATE DATABASE "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const home = makeTempHome('pghome');
  const db = await openDatabase({ home, databaseUrl: url.toString() });
  return {
    db,
    home,
    cleanup: async () => {
      await db.close();
      await withAdmin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** A migrated SQLite file in a temp home. */
export async function openSqliteTestDatabase(): Promise<TestDatabase> {
  const home = makeTempHome('home');
  const db = await openDatabase({ home });
  return {
    db,
    home,
    cleanup: async () => {
      await db.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/**
 * SQLite always; PostgreSQL when TEST_DATABASE_URL is set. Under CI=true a missing URL throws
 * (the suite fails instead of skipping); locally PostgreSQL comes back with a `skipReason`, which
 * callers pass to `describe.skipIf` so the skipped tests show in the report.
 */
export function databaseBackends(suite: string): DatabaseBackend[] {
  const backends: DatabaseBackend[] = [{ name: 'SQLite', open: openSqliteTestDatabase }];
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (adminUrl) {
    backends.push({ name: 'PostgreSQL', open: () => openPostgres(adminUrl) });
  } else if (process.env.CI === 'true') {
    throw new Error(`CI=true but TEST_DATABASE_URL is unset: ${suite} cannot run on PostgreSQL.`);
  } else {
    const skipReason = 'TEST_DATABASE_URL is unset';
    console.warn(`${suite} on PostgreSQL: skipped, ${skipReason}.`);
    backends.push({
      name: 'PostgreSQL',
      skipReason,
      open: () => Promise.reject(new Error(`${suite} on PostgreSQL: ${skipReason}`)),
    });
  }
  return backends;
}
