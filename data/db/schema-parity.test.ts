import { getTableConfig as pgTableConfig } from 'drizzle-orm/pg-core';
import { getTableConfig as sqliteTableConfig } from 'drizzle-orm/sqlite-core';
import { describe, expect, it } from 'vitest';
import * as pg from './schema-pg.js';
import * as sqlite from './schema-sqlite.js';

const TABLE_PAIRS = [
  [sqlite.categories, pg.categories],
  [sqlite.products, pg.products],
  [sqlite.image_variants, pg.image_variants],
  [sqlite.split_manifests, pg.split_manifests],
  [sqlite.users, pg.users],
  [sqlite.prediction_logs, pg.prediction_logs],
  [sqlite.seller_feedback, pg.seller_feedback],
] as const;

describe('database schemas', () => {
  it('define the same tables with the same column names, nullability and keys in both dialects', () => {
    for (const [sqliteTable, pgTable] of TABLE_PAIRS) {
      const a = sqliteTableConfig(sqliteTable);
      const b = pgTableConfig(pgTable);
      const name = a.name;
      expect(b.name).toBe(a.name);
      const shape = (cols: { name: string; notNull: boolean; primary: boolean }[]) =>
        cols.map((c) => `${c.name}:${c.notNull}:${c.primary}`).sort();
      expect(shape(b.columns), name).toEqual(shape(a.columns));
      expect(b.foreignKeys.length, `${name} foreign keys`).toBe(a.foreignKeys.length);
      expect(b.indexes.map((i) => i.config.name).sort(), `${name} indexes`).toEqual(
        a.indexes.map((i) => i.config.name).sort(),
      );
    }
  });
});
