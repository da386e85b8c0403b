import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/index.js';
import { writeBundle } from '../../models/bundle.js';
import type { TrainResult } from '../../models/train.js';
import {
  MlflowClient,
  promoteVersion,
  type RegistryDeps,
  recordRun,
  registerVersion,
} from '../../registry/index.js';
import { type MlflowTestServer, mlflowBinary, startMlflowServer } from '../support/mlflow-server.js';
import { openSqliteTestDatabase, type TestDatabase } from '../support/postgres-db.js';

const binary = mlflowBinary();
if ('skipReason' in binary) console.warn(`registry MLflow suite: skipped, ${binary.skipReason}.`);

async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return response.json();
}

describe.skipIf('skipReason' in binary)('runs, versions and aliases mirrored to a real MLflow server', () => {
  let server: MlflowTestServer;
  let t: TestDatabase;
  let deps: RegistryDeps & { mlflow: MlflowClient };
  beforeAll(async () => {
    if (!('bin' in binary)) return;
    // MLflow mirroring does not depend on the dialect; the registry suites cover PostgreSQL.
    [server, t] = await Promise.all([startMlflowServer(binary.bin), openSqliteTestDatabase()]);
    deps = {
      db: t.db,
      log: silentLogger(),
      actor: 'ci',
      mlflow: new MlflowClient({ trackingUri: server.trackingUri }),
    };
  });
  afterAll(async () => {
    await Promise.all([server?.stop(), t?.cleanup()]);
  });

  it('logs a run with params, per-epoch metrics, tags and the bundle manifest as an artifact', async () => {
    const bundleDir = path.join(t.home, 'bundle');
    const manifest = await writeBundle(bundleDir, {
      kind: 'tfidf',
      files: { 'w.txt': 'w' },
      metadata: { data: { sha256: 'd'.repeat(64) } },
    });
    const train: TrainResult = {
      kind: 'tfidf',
      bundleDir,
      bundleSha256: 'b'.repeat(64),
      dataSha256: 'd'.repeat(64),
      temperature: 1.1,
      validation: {
        samples: 10,
        accuracy: 0.8,
        weightedF1: 0.75,
        macroF1: 0.7,
        top3Accuracy: 0.95,
        ece: 0.02,
        eceBeforeCalibration: 0.05,
        logLoss: 0.6,
        logLossBeforeCalibration: 0.7,
      },
      history: [1, 2, 3].map((epoch) => ({
        epoch,
        loss: 3 - epoch,
        validationWeightedF1: 0.25 * epoch,
        seconds: 1,
      })),
      trainSeconds: 3,
    };
    const run = await recordRun(
      {
        experiment: 'mlflow-test',
        train,
        params: { epochs: 3 },
        tags: { trigger: 'ci' },
        gitCommit: 'c'.repeat(40),
      },
      deps,
    );
    expect(run.mlflow_run_id).toMatch(/^[0-9a-f]{32}$/);
    const uri = server.trackingUri;
    const logged = await getJson(`${uri}/api/2.0/mlflow/runs/get?run_id=${run.mlflow_run_id}`);
    expect(logged).toMatchObject({
      run: {
        info: { status: 'FINISHED', run_name: run.name },
        data: {
          params: expect.arrayContaining([
            { key: 'epochs', value: '3' },
            { key: 'kind', value: 'tfidf' },
          ]),
          metrics: expect.arrayContaining([
            expect.objectContaining({ key: 'validation_weightedF1', value: 0.75 }),
          ]),
          tags: expect.arrayContaining([
            { key: 'trigger', value: 'ci' },
            { key: 'mlflow.source.git.commit', value: 'c'.repeat(40) },
            { key: 'rakuten_ml.run_id', value: run.id },
          ]),
        },
      },
    });
    const history = await getJson(
      `${uri}/api/2.0/mlflow/metrics/get-history?run_id=${run.mlflow_run_id}&metric_key=validation_weighted_f1`,
    );
    expect(history).toMatchObject({
      metrics: [
        { step: 1, value: 0.25 },
        { step: 2, value: 0.5 },
        { step: 3, value: 0.75 },
      ],
    });
    const artifacts = await getJson(
      `${uri}/api/2.0/mlflow/artifacts/list?run_id=${run.mlflow_run_id}&path=bundle`,
    );
    expect(artifacts).toMatchObject({
      files: expect.arrayContaining([expect.objectContaining({ path: 'bundle/manifest.json' })]),
    });
    const { artifact_uri } = await deps.mlflow.getRun(run.mlflow_run_id ?? '');
    const manifestFile = await fetch(
      `${uri}/api/2.0/mlflow-artifacts/artifacts/${artifact_uri.replace('mlflow-artifacts:/', '')}/bundle/manifest.json`,
    );
    expect(JSON.parse(await manifestFile.text())).toEqual(manifest);

    const registered = await registerVersion(
      {
        name: 'rakuten',
        bundleDir,
        runId: run.id,
        evaluate: async () => ({ split: 'test', weightedF1: 0.7 }),
      },
      deps,
    );
    expect(registered.version.version).toBe(1);
    expect(await deps.mlflow.getAliasVersion('rakuten', 'challenger')).toBe('1');
    const version = await getJson(`${uri}/api/2.0/mlflow/model-versions/get?name=rakuten&version=1`);
    expect(version).toMatchObject({
      model_version: {
        run_id: run.mlflow_run_id,
        tags: expect.arrayContaining([{ key: 'rakuten_ml.version', value: '1' }]),
      },
    });
  });

  it('mirrors a version registered without a run, and the champion alias on promotion', async () => {
    const bundleDir = path.join(t.home, 'bundle2');
    await writeBundle(bundleDir, { kind: 'tfidf', files: { 'w.txt': 'w2' }, metadata: {} });
    const { version } = await registerVersion(
      { name: 'rakuten', bundleDir, evaluate: async () => ({ split: 'test', weightedF1: 0.8 }) },
      deps,
    );
    expect(version.version).toBe(2);
    await promoteVersion({ name: 'rakuten', version: 1 }, deps);
    expect(await deps.mlflow.getAliasVersion('rakuten', 'champion')).toBe('1');
    await promoteVersion({ name: 'rakuten', version: 2 }, deps);
    expect(await deps.mlflow.getAliasVersion('rakuten', 'champion')).toBe('2');
  });
});
