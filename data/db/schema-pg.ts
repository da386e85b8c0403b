/**
 * The product database for PostgreSQL. Table and column names match schema-sqlite.ts exactly (a test checks),
 * so the dialect-neutral queries in the stages run on both. Timestamps are ISO-8601 text in both
 * dialects: portable, sortable, and readable in a shell.
 */
import { bigint, index, integer, pgTable, primaryKey, real, serial, text } from 'drizzle-orm/pg-core';

export const categories = pgTable('categories', {
  code: integer('code').primaryKey(),
  name: text('name').notNull(),
});

export const products = pgTable(
  'products',
  {
    productid: bigint('productid', { mode: 'number' }).primaryKey(),
    imageid: bigint('imageid', { mode: 'number' }),
    /** Row index in the official X_train file, when the product came from it. */
    source_index: integer('source_index'),
    designation: text('designation'),
    description: text('description'),
    cleaned_text: text('cleaned_text'),
    cleaned_at: text('cleaned_at'),
    prdtypecode: integer('prdtypecode').references(() => categories.code),
    /** challenge | challenge_titles | challenge_image | seller */
    source: text('source').notNull(),
    split: text('split'),
    image_path: text('image_path'),
    image_sha256: text('image_sha256'),
    image_type: text('image_type'),
    image_error: text('image_error'),
    created_at: text('created_at').notNull(),
    updated_at: text('updated_at').notNull(),
  },
  (t) => [
    index('products_split_idx').on(t.split),
    index('products_image_sha256_idx').on(t.image_sha256),
    index('products_prdtypecode_idx').on(t.prdtypecode),
  ],
);

export const image_variants = pgTable(
  'image_variants',
  {
    image_sha256: text('image_sha256').notNull(),
    size_px: integer('size_px').notNull(),
    path: text('path').notNull(),
    sha256: text('sha256').notNull(),
    bytes: integer('bytes').notNull(),
    created_at: text('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.image_sha256, t.size_px] })],
);

export const split_manifests = pgTable('split_manifests', {
  data_sha256: text('data_sha256').primaryKey(),
  seed: integer('seed').notNull(),
  manifest: text('manifest').notNull(),
  created_at: text('created_at').notNull(),
});

export const users = pgTable('users', {
  id: serial('id').primaryKey(),
  email: text('email').notNull().unique(),
  /** user | admin */
  role: text('role').notNull().default('user'),
  token_sha256: text('token_sha256'),
  created_at: text('created_at').notNull(),
});

export const prediction_logs = pgTable('prediction_logs', {
  id: serial('id').primaryKey(),
  user_id: integer('user_id').references(() => users.id),
  productid: bigint('productid', { mode: 'number' }),
  model_version: text('model_version').notNull(),
  input_text: text('input_text'),
  image_sha256: text('image_sha256'),
  predicted_code: integer('predicted_code').notNull(),
  confidence: real('confidence').notNull(),
  latency_ms: real('latency_ms').notNull(),
  created_at: text('created_at').notNull(),
});

export const seller_feedback = pgTable('seller_feedback', {
  id: serial('id').primaryKey(),
  prediction_log_id: integer('prediction_log_id').references(() => prediction_logs.id),
  user_id: integer('user_id').references(() => users.id),
  productid: bigint('productid', { mode: 'number' }),
  correct_code: integer('correct_code')
    .notNull()
    .references(() => categories.code),
  comment: text('comment'),
  created_at: text('created_at').notNull(),
});

export type ProductRow = typeof products.$inferSelect;
