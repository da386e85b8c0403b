import type { SQL } from 'drizzle-orm';
import type BetterSqlite from 'better-sqlite3';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';

export type Dialect = 'sqlite' | 'postgres';

/**
 * The one dialect-neutral port the data stages query through. Queries are drizzle `sql` templates
 * (values always bound as parameters) written in the SQL both SQLite and PostgreSQL accept; rows come
 * back keyed by the snake_case column names.
 */
export interface Database {
  readonly dialect: Dialect;
  all<T extends Record<string, unknown>>(query: SQL): Promise<T[]>;
  run(query: SQL): Promise<void>;
  /** Runs fn in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(fn: (tx: Database) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * better-sqlite3 is synchronous, so a transaction is BEGIN IMMEDIATE ... COMMIT around an async fn;
 * nothing else may use the connection meanwhile, which holds because one process owns one connection.
 * A transaction started inside another joins it.
 */
export function wrapSqlite(db: BetterSQLite3Database, client: BetterSqlite.Database): Database {
  let isInTransaction = false;
  const port: Database = {
    dialect: 'sqlite',
    all: async <T extends Record<string, unknown>>(query: SQL) => db.all<T>(query),
    run: async (query: SQL) => {
      db.run(query);
    },
    transaction: async <T>(fn: (tx: Database) => Promise<T>): Promise<T> => {
      if (isInTransaction) return fn(port);
      client.exec('BEGIN IMMEDIATE');
      isInTransaction = true;
      try {
        const result = await fn(port);
        client.exec('COMMIT');
        return result;
      } catch (error: unknown) {
        client.exec('ROLLBACK');
        throw error;
      } finally {
        isInTransaction = false;
      }
    },
    close: async () => {
      client.close();
    },
  };
  return port;
}

type PgExecutor = Pick<NodePgDatabase, 'execute' | 'transaction'>;

export function wrapPostgres(db: PgExecutor, close: () => Promise<void>): Database {
  return {
    dialect: 'postgres',
    // drizzle types pg rows as Assume<T, QueryResultRow>, which is T for every row type we pass.
    all: async <T extends Record<string, unknown>>(query: SQL) => (await db.execute<T>(query)).rows as T[],
    run: async (query: SQL) => {
      await db.execute(query);
    },
    transaction: <T>(fn: (tx: Database) => Promise<T>): Promise<T> =>
      db.transaction((tx) => fn(wrapPostgres(tx, async () => undefined))),
    close,
  };
}
