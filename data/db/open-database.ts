import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { messageOf, UpstreamError } from '../../core/index.js';
import { CATEGORIES } from '../categories.js';
import { type Database, wrapPostgres, wrapSqlite } from './database.js';

export interface OpenDatabaseOptions {
  /** The home folder; the SQLite file is `<home>/rakuten-ml.sqlite`. */
  home: string;
  /** postgres://… selects PostgreSQL; undefined selects SQLite. */
  databaseUrl?: string | undefined;
}

export const SQLITE_FILE_NAME = 'rakuten-ml.sqlite';

/**
 * The migrations live at <package root>/data/db/migrations, outside dist/, so walk up from this module
 * (data/db/ in the sources, dist/data/db/ once built) to the folder holding package.json.
 */
export function migrationsFolder(dialect: 'sqlite' | 'pg'): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'data', 'db', 'migrations', dialect);
    if (existsSync(path.join(dir, 'package.json')) && existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new UpstreamError(
        'DB_MIGRATION_FAILED',
        `No data/db/migrations/${dialect} folder above ${import.meta.url}`,
        {
          hint: 'Reinstall rakuten-ml: the package must ship data/db/migrations.',
        },
      );
    }
    dir = parent;
  }
}

async function seedCategories(db: Database): Promise<void> {
  const values = sql.join(
    CATEGORIES.map((c) => sql`(${c.code}, ${c.name})`),
    sql`, `,
  );
  await db.run(sql`INSERT INTO categories (code, name) VALUES ${values} ON CONFLICT (code) DO NOTHING`);
}

async function openSqlite(home: string): Promise<Database> {
  const [{ default: BetterSqlite }, { drizzle }, { migrate }] = await Promise.all([
    import('better-sqlite3'),
    import('drizzle-orm/better-sqlite3'),
    import('drizzle-orm/better-sqlite3/migrator'),
  ]);
  mkdirSync(home, { recursive: true });
  const client = new BetterSqlite(path.join(home, SQLITE_FILE_NAME));
  // WAL lets a reader (serve) run while a stage writes; foreign keys are off by default in SQLite.
  client.pragma('journal_mode = WAL');
  client.pragma('foreign_keys = ON');
  const db = drizzle({ client });
  try {
    migrate(db, { migrationsFolder: migrationsFolder('sqlite') });
  } catch (error: unknown) {
    client.close();
    throw new UpstreamError(
      'DB_MIGRATION_FAILED',
      `Could not migrate ${SQLITE_FILE_NAME}: ${messageOf(error)}`,
      {
        hint: `Move ${path.join(home, SQLITE_FILE_NAME)} aside and rerun to start from an empty database.`,
        cause: error,
      },
    );
  }
  return wrapSqlite(db, client);
}

async function openPostgres(databaseUrl: string): Promise<Database> {
  const [{ default: pg }, { drizzle }, { migrate }] = await Promise.all([
    import('pg'),
    import('drizzle-orm/node-postgres'),
    import('drizzle-orm/node-postgres/migrator'),
  ]);
  // Ids exceed 2^31 and count(*) is int8: read int8 as a number (every value stays below 2^53)
  // instead of pg's default string, so rows look the same as SQLite's.
  // (The cast: pg declares getTypeParser as an overload set a single arrow cannot spell.)
  const types = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === pg.types.builtins.INT8
        ? Number
        : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
  };
  const pool = new pg.Pool({ connectionString: databaseUrl, types, max: 4 });
  try {
    await pool.query('SELECT 1');
  } catch (error: unknown) {
    await pool.end();
    throw new UpstreamError('DB_UNREACHABLE', `Cannot connect to PostgreSQL: ${messageOf(error)}`, {
      hint: 'Check DATABASE_URL (postgres://user:password@host:5432/db) and that the server is running; unset it to use SQLite.',
      cause: error,
    });
  }
  const db = drizzle({ client: pool });
  try {
    await migrate(db, { migrationsFolder: migrationsFolder('pg') });
  } catch (error: unknown) {
    await pool.end();
    throw new UpstreamError(
      'DB_MIGRATION_FAILED',
      `Could not migrate the PostgreSQL database: ${messageOf(error)}`,
      {
        hint: 'The role in DATABASE_URL needs CREATE rights on the database.',
        cause: error,
      },
    );
  }
  return wrapPostgres(db, () => pool.end());
}

/** Opens the product database (SQLite under home, or PostgreSQL), applies migrations, seeds categories. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const db = options.databaseUrl ? await openPostgres(options.databaseUrl) : await openSqlite(options.home);
  await seedCategories(db);
  return db;
}

export interface DatabaseCheck {
  ok: boolean;
  dialect: string;
  detail: string;
}

/** A cheap health check for `rakuten-ml doctor`: can we query, and how much is in there. */
export async function checkDatabase(db: Database): Promise<DatabaseCheck> {
  try {
    const rows = await db.all<{ products: number; categories: number }>(
      sql`SELECT (SELECT CAST(count(*) AS INTEGER) FROM products) AS products,
                 (SELECT CAST(count(*) AS INTEGER) FROM categories) AS categories`,
    );
    const row = rows[0];
    return {
      ok: row !== undefined && row.categories > 0,
      dialect: db.dialect,
      detail: `${row?.products ?? 0} products, ${row?.categories ?? 0} categories`,
    };
  } catch (error: unknown) {
    return { ok: false, dialect: db.dialect, detail: messageOf(error) };
  }
}
