import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { UpstreamError } from '../core/index.js';
import type { Database } from '../data/index.js';
import { MANIFEST_FILE, readManifest } from '../models/bundle.js';
import type { MlflowClient, MlflowRun } from './mlflow-client.js';
import type { ModelVersion, RunMetricPoint, RunRecord } from './record-types.js';

/** Files up to this size are copied as run artifacts beside manifest.json; bigger ones stay in our store. */
const MAX_ARTIFACT_BYTES = 1024 * 1024;
/** The tag that maps an MLflow model version back to our version number (MLflow numbers its own). */
const VERSION_TAG = 'rakuten_ml.version';
// MLflow rejects param values longer than 6000 characters.
const MAX_PARAM_CHARS = 6000;

async function uploadBundleArtifacts(client: MlflowClient, run: MlflowRun, bundleDir: string): Promise<void> {
  const manifest = await readManifest(bundleDir);
  await client.uploadArtifact(
    run,
    `bundle/${MANIFEST_FILE}`,
    await readFile(path.join(bundleDir, MANIFEST_FILE)),
  );
  for (const [name, entry] of Object.entries(manifest.files)) {
    if (entry.bytes <= MAX_ARTIFACT_BYTES) {
      await client.uploadArtifact(run, `bundle/${name}`, await readFile(path.join(bundleDir, name)));
    }
  }
}

/** Mirrors a recorded run to MLflow (params, final and per-epoch metrics, tags, bundle artifacts); returns its MLflow id. */
export async function logRunToMlflow(
  client: MlflowClient,
  input: { run: RunRecord; history: RunMetricPoint[]; bundleDir: string },
): Promise<string> {
  const { run } = input;
  const experimentId = await client.ensureExperiment(run.experiment);
  const startTimeMs = Date.parse(run.started_at);
  const tags: Record<string, string> = {
    ...run.tags,
    'rakuten_ml.run_id': run.id,
    ...(run.git_commit ? { 'mlflow.source.git.commit': run.git_commit } : {}),
    ...(run.data_sha256 ? { 'rakuten_ml.data_sha256': run.data_sha256 } : {}),
    ...(run.bundle_sha256 ? { 'rakuten_ml.bundle_sha256': run.bundle_sha256 } : {}),
  };
  const created = await client.createRun({ experimentId, runName: run.name, startTimeMs, tags });
  const endTimeMs = run.ended_at ? Date.parse(run.ended_at) : Date.now();
  const metrics = [
    ...Object.entries(run.metrics).map(([key, value]) => ({ key, value, step: 0, timestamp: endTimeMs })),
    ...input.history.map((p) => ({
      key: p.key,
      value: p.value,
      step: p.step,
      timestamp: Date.parse(p.created_at),
    })),
  ];
  const params = Object.fromEntries(
    Object.entries(run.params).map(([k, v]) => [k, String(v).slice(0, MAX_PARAM_CHARS)]),
  );
  await client.logBatch(created.run_id, { params, metrics });
  await uploadBundleArtifacts(client, created, input.bundleDir);
  await client.finishRun(created.run_id, {
    status: run.status === 'failed' ? 'FAILED' : 'FINISHED',
    endTimeMs,
  });
  return created.run_id;
}

/** The MLflow run a version's bundle artifacts live in: its training run's, or a new registration run. */
async function runForVersion(
  client: MlflowClient,
  db: Database,
  version: ModelVersion,
  bundleDir: string,
): Promise<MlflowRun> {
  if (version.run_id) {
    const [row] = await db.all<{ mlflow_run_id: string | null }>(
      sql`SELECT mlflow_run_id FROM runs WHERE id = ${version.run_id}`,
    );
    if (row?.mlflow_run_id) return client.getRun(row.mlflow_run_id);
  }
  const experimentId = await client.ensureExperiment('registry');
  const run = await client.createRun({
    experimentId,
    runName: `${version.model_name}-v${version.version}`,
    startTimeMs: Date.now(),
    tags: { 'rakuten_ml.bundle_sha256': version.bundle_sha256 },
  });
  await uploadBundleArtifacts(client, run, bundleDir);
  await client.finishRun(run.run_id, { status: 'FINISHED', endTimeMs: Date.now() });
  return run;
}

/** Mirrors a new version: registered model, model version (tagged with ours) and the `challenger` alias. */
export async function logVersionToMlflow(
  client: MlflowClient,
  input: { version: ModelVersion; bundleDir: string },
  db: Database,
): Promise<void> {
  const { version } = input;
  const run = await runForVersion(client, db, version, input.bundleDir);
  await client.ensureRegisteredModel(version.model_name);
  const mlflowVersion = await client.createModelVersion({
    name: version.model_name,
    source: `${run.artifact_uri}/bundle`,
    runId: run.run_id,
    tags: {
      [VERSION_TAG]: String(version.version),
      'rakuten_ml.bundle_sha256': version.bundle_sha256,
      ...(version.eval_split ? { 'rakuten_ml.eval_split': version.eval_split } : {}),
      ...(version.weighted_f1 === null ? {} : { 'rakuten_ml.weighted_f1': String(version.weighted_f1) }),
    },
  });
  await client.setAlias({ name: version.model_name, alias: 'challenger', version: mlflowVersion });
}

/** Points an MLflow alias at the MLflow version mirroring our version number. */
export async function setMlflowAlias(
  client: MlflowClient,
  input: { name: string; alias: string; version: number },
): Promise<void> {
  const mlflowVersion = await client.findModelVersionByTag(input.name, VERSION_TAG, String(input.version));
  if (mlflowVersion === undefined) {
    throw new UpstreamError(
      'MLFLOW_REQUEST_FAILED',
      `${input.name} v${input.version} was never mirrored to MLflow at ${client.trackingUri}.`,
      {
        hint: 'It was registered while MLFLOW_TRACKING_URI was unset; the local registry was updated.',
      },
    );
  }
  await client.setAlias({ name: input.name, alias: input.alias, version: mlflowVersion });
}
