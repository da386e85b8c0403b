import path from 'node:path';
import { sql } from 'drizzle-orm';
import { NotFoundError } from '../core/index.js';
import type { Database } from '../data/index.js';
import { bundleDigest, openBundle } from '../models/bundle.js';
import { listEvents, type RegistryEvent, recordEvent } from './events.js';
import { logVersionToMlflow } from './mlflow-tracking.js';
import type { ModelAlias, ModelVersion } from './record-types.js';
import { nowIso, type RegistryDeps } from './registry-deps.js';

export type { ModelAlias, ModelVersion } from './record-types.js';

/** The weighted F1 of a bundle on a named evaluation split (what the promotion gate compares). */
export interface VersionEvaluation {
  split: string;
  weightedF1: number;
}

export interface RegisterInput {
  /** The registered model's name, e.g. `rakuten`. */
  name: string;
  bundleDir: string;
  /** Scores the bundle; called only when the bundle is not registered yet (evaluation is slow). */
  evaluate?: (bundleDir: string) => Promise<VersionEvaluation>;
  /** The tracked run that produced the bundle, when known. */
  runId?: string;
}

export interface RegisterResult {
  version: ModelVersion;
  /** False when this bundle was already registered: the existing version is returned unchanged. */
  isNew: boolean;
}

async function findBySha(
  db: Database,
  name: string,
  bundleSha256: string,
): Promise<ModelVersion | undefined> {
  const rows = await db.all<ModelVersion>(
    sql`SELECT * FROM model_versions WHERE model_name = ${name} AND bundle_sha256 = ${bundleSha256}`,
  );
  return rows[0];
}

/**
 * Records a bundle as the next version of a model (creating the model on first use) and points the
 * `challenger` alias at it. Idempotent by content: the same bundle returns its existing version.
 */
export async function registerVersion(input: RegisterInput, deps: RegistryDeps): Promise<RegisterResult> {
  const bundleDir = path.resolve(input.bundleDir);
  const { manifest } = await openBundle(bundleDir);
  const bundleSha256 = bundleDigest(manifest);
  const existing = await findBySha(deps.db, input.name, bundleSha256);
  if (existing) return { version: existing, isNew: false };
  const evaluation = input.evaluate ? await input.evaluate(bundleDir) : undefined;
  const data = manifest.metadata.data;
  const dataSha256 =
    typeof data === 'object' && data !== null && 'sha256' in data && typeof data.sha256 === 'string'
      ? data.sha256
      : null;
  const result = await deps.db.transaction(async (tx): Promise<RegisterResult> => {
    const again = await findBySha(tx, input.name, bundleSha256);
    if (again) return { version: again, isNew: false };
    const now = nowIso();
    await tx.run(sql`INSERT INTO registered_models (name, created_at) VALUES (${input.name}, ${now})
      ON CONFLICT (name) DO NOTHING`);
    const [next] = await tx.all<{ version: number }>(
      sql`SELECT CAST(COALESCE(MAX(version), 0) + 1 AS INTEGER) AS version FROM model_versions WHERE model_name = ${input.name}`,
    );
    const version = next?.version ?? 1;
    await tx.run(sql`INSERT INTO model_versions (model_name, version, run_id, kind, bundle_sha256, storage_uri,
        weighted_f1, eval_split, data_sha256, created_by, created_at)
      VALUES (${input.name}, ${version}, ${input.runId ?? null}, ${manifest.kind}, ${bundleSha256}, ${bundleDir},
        ${evaluation?.weightedF1 ?? null}, ${evaluation?.split ?? null}, ${dataSha256}, ${deps.actor}, ${now})`);
    await setAlias(tx, { name: input.name, alias: 'challenger', version, actor: deps.actor });
    await recordEvent(tx, {
      modelName: input.name,
      action: 'register',
      version,
      actor: deps.actor,
      detail: { bundleSha256, evaluation: evaluation ?? null },
    });
    return { version: await getVersion(tx, input.name, version), isNew: true };
  });
  deps.log.info(
    { name: input.name, version: result.version.version, isNew: result.isNew },
    'version registered',
  );
  if (result.isNew && deps.mlflow) {
    await logVersionToMlflow(deps.mlflow, { version: result.version, bundleDir }, deps.db);
  }
  return result;
}

/** One version; NotFound when the model or the version does not exist. */
export async function getVersion(db: Database, name: string, version: number): Promise<ModelVersion> {
  const rows = await db.all<ModelVersion>(
    sql`SELECT * FROM model_versions WHERE model_name = ${name} AND version = ${version}`,
  );
  const row = rows[0];
  if (row) return row;
  await assertModelExists(db, name);
  throw new NotFoundError('REGISTRY_VERSION_NOT_FOUND', `Model "${name}" has no version ${version}.`, {
    hint: `List its versions with \`rakuten-ml registry show ${name}\`.`,
  });
}

export async function assertModelExists(db: Database, name: string): Promise<void> {
  const rows = await db.all<{ name: string }>(sql`SELECT name FROM registered_models WHERE name = ${name}`);
  if (rows.length === 0) {
    throw new NotFoundError('REGISTRY_MODEL_NOT_FOUND', `No registered model named "${name}".`, {
      hint: `Register a bundle first: rakuten-ml register <bundle> --name ${name}`,
    });
  }
}

/** The version an alias points to, or undefined when it is not set. */
export async function aliasVersion(db: Database, name: string, alias: string): Promise<number | undefined> {
  const rows = await db.all<{ version: number }>(
    sql`SELECT version FROM model_aliases WHERE model_name = ${name} AND alias = ${alias}`,
  );
  return rows[0]?.version;
}

/** Resolves `3` or an alias (`champion`) to a version row. */
export async function findVersion(
  db: Database,
  name: string,
  versionOrAlias: string | number,
): Promise<ModelVersion> {
  if (typeof versionOrAlias === 'number' || /^\d+$/.test(versionOrAlias)) {
    return getVersion(db, name, Number(versionOrAlias));
  }
  const version = await aliasVersion(db, name, versionOrAlias);
  if (version === undefined) {
    await assertModelExists(db, name);
    throw new NotFoundError(
      'REGISTRY_ALIAS_NOT_SET',
      `Model "${name}" has no version under alias "${versionOrAlias}".`,
      {
        hint: `Promote a version first: rakuten-ml promote ${name} <version>`,
      },
    );
  }
  return getVersion(db, name, version);
}

export async function setAlias(
  db: Database,
  change: { name: string; alias: string; version: number; actor: string },
): Promise<void> {
  await db.run(sql`INSERT INTO model_aliases (model_name, alias, version, updated_by, updated_at)
    VALUES (${change.name}, ${change.alias}, ${change.version}, ${change.actor}, ${nowIso()})
    ON CONFLICT (model_name, alias) DO UPDATE SET version = excluded.version,
      updated_by = excluded.updated_by, updated_at = excluded.updated_at`);
}

export interface ModelDescription {
  name: string;
  versions: ModelVersion[];
  aliases: ModelAlias[];
  events: RegistryEvent[];
}

/** A model's versions, aliases and audit trail (`rakuten-ml registry show`). */
export async function describeModel(db: Database, name: string): Promise<ModelDescription> {
  await assertModelExists(db, name);
  return {
    name,
    versions: await db.all<ModelVersion>(
      sql`SELECT * FROM model_versions WHERE model_name = ${name} ORDER BY version`,
    ),
    aliases: await db.all<ModelAlias>(
      sql`SELECT * FROM model_aliases WHERE model_name = ${name} ORDER BY alias`,
    ),
    events: await listEvents(db, name),
  };
}
