import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { NotFoundError } from '../core/index.js';
import type { Database } from '../data/index.js';
import type { TrainResult } from '../models/train.js';
import { logRunToMlflow } from './mlflow-tracking.js';
import type { ParamValue, RunMetricPoint, RunRecord, RunRow } from './record-types.js';
import { nowIso, type RegistryDeps } from './registry-deps.js';

export type { ParamValue, RunMetricPoint, RunRecord } from './record-types.js';

export interface RecordRunInput {
  /** Default `default`. */
  experiment?: string;
  /** Default `<kind>-<time>`. */
  name?: string;
  train: TrainResult;
  /** The training options (epochs, lr, seed…). */
  params?: Record<string, ParamValue>;
  tags?: Record<string, string>;
  /** The code's commit (see `currentGitCommit`). */
  gitCommit?: string | null;
}

async function experimentId(db: Database, name: string): Promise<number> {
  await db.run(
    sql`INSERT INTO experiments (name, created_at) VALUES (${name}, ${nowIso()}) ON CONFLICT (name) DO NOTHING`,
  );
  const [row] = await db.all<{ id: number }>(sql`SELECT id FROM experiments WHERE name = ${name}`);
  if (!row) throw new Error(`experiment ${name} vanished after insert`);
  return row.id;
}

/** The per-epoch history as (key, step, value) points. */
function historyPoints(train: TrainResult): { key: string; step: number; value: number }[] {
  return train.history.flatMap((h) => [
    { key: 'loss', step: h.epoch, value: h.loss },
    { key: 'validation_weighted_f1', step: h.epoch, value: h.validationWeightedF1 },
    { key: 'epoch_seconds', step: h.epoch, value: h.seconds },
  ]);
}

export interface RecordFailedRunInput {
  experiment?: string;
  kind: string;
  params?: Record<string, ParamValue>;
  /** What stopped it: its stable code (AppError) and message go into the run's tags. */
  error: unknown;
  startedAt: Date;
  gitCommit?: string | null;
}

/**
 * Records a training run that threw (a backbone that is not a tfjs model, a photo that cannot be
 * decoded...) with status `failed` and the error in its tags, so `runs list` shows it (issue 14).
 */
export async function recordFailedRun(input: RecordFailedRunInput, deps: RegistryDeps): Promise<{ id: string }> {
  const id = randomUUID();
  const code = input.error instanceof Error && 'code' in input.error ? String(input.error.code) : 'UNEXPECTED';
  const message = input.error instanceof Error ? input.error.message : String(input.error);
  const tags = { error_code: code, error: message.slice(0, 500) };
  const name = `${input.kind}-${input.startedAt.toISOString()}`;
  await deps.db.transaction(async (tx) => {
    const experiment = await experimentId(tx, input.experiment ?? 'default');
    await tx.run(sql`INSERT INTO runs (id, experiment_id, name, status, params, metrics, tags, git_commit, data_sha256,
        bundle_path, bundle_sha256, started_at, ended_at)
      VALUES (${id}, ${experiment}, ${name}, 'failed', ${JSON.stringify({ kind: input.kind, ...input.params })}, ${'{}'},
        ${JSON.stringify(tags)}, ${input.gitCommit ?? null}, ${null}, ${null}, ${null}, ${input.startedAt.toISOString()}, ${nowIso()})`);
  });
  deps.log.info({ run: id, name, code }, 'failed run recorded');
  return { id };
}

/**
 * Records a finished training run in the project database: params, final and per-epoch metrics, tags,
 * git commit, data hash, bundle location and timings; mirrored to MLflow when configured.
 * @example const run = await recordRun({ train: result, params: { epochs: 10 } }, deps);
 */
export async function recordRun(input: RecordRunInput, deps: RegistryDeps): Promise<RunRecord> {
  const id = randomUUID();
  const endedAt = new Date();
  const startedAt = new Date(endedAt.getTime() - Math.round(input.train.trainSeconds * 1000));
  const params: Record<string, ParamValue> = { kind: input.train.kind, ...input.params };
  const metrics: Record<string, number> = {
    ...Object.fromEntries(Object.entries(input.train.validation).map(([k, v]) => [`validation_${k}`, v])),
    temperature: input.train.temperature,
    train_seconds: input.train.trainSeconds,
  };
  const tags = { ...input.tags };
  const name = input.name ?? `${input.train.kind}-${startedAt.toISOString()}`;
  await deps.db.transaction(async (tx) => {
    const experiment = await experimentId(tx, input.experiment ?? 'default');
    await tx.run(sql`INSERT INTO runs (id, experiment_id, name, status, params, metrics, tags, git_commit, data_sha256,
        bundle_path, bundle_sha256, started_at, ended_at)
      VALUES (${id}, ${experiment}, ${name}, 'finished', ${JSON.stringify(params)}, ${JSON.stringify(metrics)},
        ${JSON.stringify(tags)}, ${input.gitCommit ?? null}, ${input.train.dataSha256}, ${input.train.bundleDir},
        ${input.train.bundleSha256}, ${startedAt.toISOString()}, ${endedAt.toISOString()})`);
    const points = historyPoints(input.train);
    if (points.length > 0) {
      const now = nowIso();
      await tx.run(
        sql`INSERT INTO run_metrics (run_id, key, step, value, created_at) VALUES ${sql.join(
          points.map((p) => sql`(${id}, ${p.key}, ${p.step}, ${p.value}, ${now})`),
          sql`, `,
        )}`,
      );
    }
  });
  deps.log.info({ run: id, name }, 'run recorded');
  if (deps.mlflow) {
    const run = await getRun(deps.db, id);
    const mlflowRunId = await logRunToMlflow(deps.mlflow, {
      run,
      history: await runHistory(deps.db, id),
      bundleDir: input.train.bundleDir,
    });
    await deps.db.run(sql`UPDATE runs SET mlflow_run_id = ${mlflowRunId} WHERE id = ${id}`);
  }
  return getRun(deps.db, id);
}

type RunJoinRow = RunRow & { experiment: string };

function parseRun(row: RunJoinRow): RunRecord {
  return {
    ...row,
    params: JSON.parse(row.params),
    metrics: JSON.parse(row.metrics),
    tags: JSON.parse(row.tags),
  };
}

const SELECT_RUNS = sql`SELECT r.*, e.name AS experiment FROM runs r JOIN experiments e ON e.id = r.experiment_id`;

/** Newest runs first, optionally of one experiment. */
export async function listRuns(
  db: Database,
  options: { experiment?: string; limit?: number } = {},
): Promise<RunRecord[]> {
  const where = options.experiment ? sql` WHERE e.name = ${options.experiment}` : sql``;
  const rows = await db.all<RunJoinRow>(
    sql`${SELECT_RUNS}${where} ORDER BY r.started_at DESC, r.id LIMIT ${options.limit ?? 50}`,
  );
  return rows.map(parseRun);
}

/** One run; NotFound when no run has that id. */
export async function getRun(db: Database, id: string): Promise<RunRecord> {
  const [row] = await db.all<RunJoinRow>(sql`${SELECT_RUNS} WHERE r.id = ${id}`);
  if (!row) {
    throw new NotFoundError('RUN_NOT_FOUND', `No run with id ${id}.`, {
      hint: 'List runs with `rakuten-ml runs list`.',
    });
  }
  return parseRun(row);
}

/** A run's per-epoch metrics, by key then step. */
export async function runHistory(db: Database, id: string): Promise<RunMetricPoint[]> {
  return db.all<RunMetricPoint>(
    sql`SELECT key, step, value, created_at FROM run_metrics WHERE run_id = ${id} ORDER BY key, step`,
  );
}
