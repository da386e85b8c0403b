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
    /** The seller who added it (source `seller`); null for challenge data. */
    owner_user_id: integer('owner_user_id'),
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
  /** argon2id hash (PHC string); null for accounts that cannot log in with a password. */
  password_hash: text('password_hash'),
  /** 1 when an admin disabled the account: its tokens stop working. */
  is_disabled: integer('is_disabled').notNull().default(0),
  created_at: text('created_at').notNull(),
});

export const prediction_logs = pgTable('prediction_logs', {
  id: serial('id').primaryKey(),
  user_id: integer('user_id').references(() => users.id),
  productid: bigint('productid', { mode: 'number' }),
  model_version: text('model_version').notNull(),
  /** text | image | both: what the product had and the model read. */
  modality: text('modality'),
  /** JSON [{prdtypecode, probability}] as answered. */
  top_k: text('top_k'),
  /** sha256 of the inputs (text and image bytes), not the inputs themselves. */
  input_sha256: text('input_sha256'),
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

/* Registry: experiments, runs, registered models, immutable versions, aliases, and an audit trail. */

export const experiments = pgTable('experiments', {
  id: serial('id').primaryKey(),
  name: text('name').notNull().unique(),
  created_at: text('created_at').notNull(),
});

export const runs = pgTable('runs', {
  /** A UUID, also the run's name in MLflow tags. */
  id: text('id').primaryKey(),
  experiment_id: integer('experiment_id')
    .notNull()
    .references(() => experiments.id),
  name: text('name').notNull(),
  /** running | finished | failed */
  status: text('status').notNull(),
  /** JSON objects. */
  params: text('params').notNull(),
  metrics: text('metrics').notNull(),
  tags: text('tags').notNull(),
  git_commit: text('git_commit'),
  data_sha256: text('data_sha256'),
  bundle_path: text('bundle_path'),
  bundle_sha256: text('bundle_sha256'),
  mlflow_run_id: text('mlflow_run_id'),
  started_at: text('started_at').notNull(),
  ended_at: text('ended_at'),
});

export const run_metrics = pgTable(
  'run_metrics',
  {
    run_id: text('run_id')
      .notNull()
      .references(() => runs.id),
    key: text('key').notNull(),
    step: integer('step').notNull(),
    value: real('value').notNull(),
    created_at: text('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.run_id, t.key, t.step] })],
);

export const registered_models = pgTable('registered_models', {
  name: text('name').primaryKey(),
  description: text('description'),
  created_at: text('created_at').notNull(),
});

export const model_versions = pgTable(
  'model_versions',
  {
    model_name: text('model_name')
      .notNull()
      .references(() => registered_models.name),
    version: integer('version').notNull(),
    run_id: text('run_id'),
    kind: text('kind').notNull(),
    bundle_sha256: text('bundle_sha256').notNull(),
    /** Where the bundle lives: a local folder or s3://bucket/prefix. */
    storage_uri: text('storage_uri'),
    weighted_f1: real('weighted_f1'),
    eval_split: text('eval_split'),
    data_sha256: text('data_sha256'),
    created_by: text('created_by').notNull(),
    created_at: text('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.model_name, t.version] }), index('model_versions_sha_idx').on(t.model_name, t.bundle_sha256)],
);

export const model_aliases = pgTable(
  'model_aliases',
  {
    model_name: text('model_name')
      .notNull()
      .references(() => registered_models.name),
    /** champion | challenger */
    alias: text('alias').notNull(),
    version: integer('version').notNull(),
    updated_by: text('updated_by').notNull(),
    updated_at: text('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.model_name, t.alias] })],
);

export const registry_events = pgTable('registry_events', {
  id: serial('id').primaryKey(),
  model_name: text('model_name').notNull(),
  /** register | promote | rollback | push | pull */
  action: text('action').notNull(),
  version: integer('version'),
  alias: text('alias'),
  actor: text('actor').notNull(),
  detail: text('detail'),
  created_at: text('created_at').notNull(),
});

export type ProductRow = typeof products.$inferSelect;
