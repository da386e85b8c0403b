import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/index.js';
import { writeBundle } from '../../models/bundle.js';
import type { TrainResult } from '../../models/train.js';
import {
  describeModel,
  GateFailedError,
  getRun,
  listRuns,
  promoteVersion,
  type RegistryDeps,
  recordRun,
  registerVersion,
  resolveModelRef,
  rollbackChampion,
  runHistory,
} from '../../registry/index.js';
import { databaseBackends, type TestDatabase } from '../support/postgres-db.js';

async function tinyBundle(dir: string, seed: string): Promise<string> {
  await writeBundle(dir, {
    kind: 'tfidf',
    files: { 'weights.txt': `weights ${seed}` },
    metadata: { data: { sha256: 'd'.repeat(64) } },
  });
  return dir;
}

const score =
  (weightedF1: number, split = 'test') =>
  async () => ({ split, weightedF1 });

function trainResult(bundleDir: string): TrainResult {
  return {
    kind: 'tfidf',
    bundleDir,
    bundleSha256: 'b'.repeat(64),
    dataSha256: 'd'.repeat(64),
    temperature: 1.3,
    validation: {
      samples: 40,
      accuracy: 0.7,
      weightedF1: 0.68,
      macroF1: 0.6,
      top3Accuracy: 0.9,
      ece: 0.03,
      eceBeforeCalibration: 0.08,
      logLoss: 0.9,
      logLossBeforeCalibration: 1.1,
    },
    history: [
      { epoch: 1, loss: 2.1, validationWeightedF1: 0.5, seconds: 1.5 },
      { epoch: 2, loss: 1.4, validationWeightedF1: 0.68, seconds: 1.4 },
    ],
    trainSeconds: 3.2,
  };
}

for (const backend of databaseBackends('registry versions and runs')) {
  describe.skipIf(backend.skipReason !== undefined)(`registry on ${backend.name}`, () => {
    let t: TestDatabase;
    let deps: RegistryDeps;
    beforeEach(async () => {
      t = await backend.open();
      deps = { db: t.db, log: silentLogger(), actor: 'alice', cacheDir: path.join(t.home, 'cache') };
    });
    afterEach(async () => {
      await t.cleanup();
    });

    it('numbers versions per model, makes the newest the challenger, and returns the same version for the same bundle', async () => {
      const first = await registerVersion(
        { name: 'rakuten', bundleDir: await tinyBundle(path.join(t.home, 'b1'), '1'), evaluate: score(0.7) },
        deps,
      );
      const second = await registerVersion(
        { name: 'rakuten', bundleDir: await tinyBundle(path.join(t.home, 'b2'), '2'), evaluate: score(0.72) },
        deps,
      );
      const again = await registerVersion(
        { name: 'rakuten', bundleDir: path.join(t.home, 'b1'), evaluate: score(0.99) },
        deps,
      );
      expect([first.version.version, second.version.version]).toEqual([1, 2]);
      expect(again).toMatchObject({ isNew: false, version: { version: 1, eval_split: 'test' } });
      expect(again.version.weighted_f1).toBeCloseTo(0.7, 5);
      expect(first.version.data_sha256).toBe('d'.repeat(64));
      const model = await describeModel(t.db, 'rakuten');
      expect(model.versions).toHaveLength(2);
      expect(model.aliases.map((a) => [a.alias, a.version])).toEqual([['challenger', 2]]);
      expect(model.events.map((e) => [e.action, e.version, e.actor])).toEqual([
        ['register', 1, 'alice'],
        ['register', 2, 'alice'],
      ]);
    });

    it('promotes past the gate only with a margin, and rolls the champion back through its history', async () => {
      for (const [i, f1] of [0.7, 0.702, 0.71, 0.73].entries()) {
        await registerVersion(
          {
            name: 'rakuten',
            bundleDir: await tinyBundle(path.join(t.home, `b${i}`), `${i}`),
            evaluate: score(f1),
          },
          deps,
        );
      }
      expect(await promoteVersion({ name: 'rakuten', version: 1 }, deps)).toMatchObject({
        version: 1,
        previousChampion: null,
        gate: null,
      });
      const refused = promoteVersion({ name: 'rakuten', version: 2 }, deps);
      await expect(refused).rejects.toBeInstanceOf(GateFailedError);
      await expect(refused).rejects.toMatchObject({ code: 'REGISTRY_GATE_FAILED' });
      expect((await resolveModelRef('rakuten@champion', deps)).version).toBe(1);
      expect(await promoteVersion({ name: 'rakuten', version: 3 }, deps)).toMatchObject({
        previousChampion: 1,
        gate: { isPassed: true },
      });
      expect(
        await promoteVersion({ name: 'rakuten', version: 2, isForced: true }, { ...deps, actor: 'bob' }),
      ).toMatchObject({
        gate: { isForced: true },
      });
      expect(await rollbackChampion({ name: 'rakuten' }, deps)).toEqual({
        name: 'rakuten',
        version: 3,
        replaced: 2,
      });
      expect(await rollbackChampion({ name: 'rakuten' }, deps)).toEqual({
        name: 'rakuten',
        version: 1,
        replaced: 3,
      });
      await expect(rollbackChampion({ name: 'rakuten' }, deps)).rejects.toMatchObject({
        code: 'REGISTRY_NO_PREVIOUS_CHAMPION',
      });
      const events = (await describeModel(t.db, 'rakuten')).events.filter((e) => e.action !== 'register');
      expect(events.map((e) => [e.action, e.version, e.actor])).toEqual([
        ['promote', 1, 'alice'],
        ['promote', 3, 'alice'],
        ['promote', 2, 'bob'],
        ['rollback', 3, 'alice'],
        ['rollback', 1, 'alice'],
      ]);
      expect(events.every((e) => !Number.isNaN(Date.parse(e.created_at)))).toBe(true);
    });

    it('refuses to gate versions scored on different splits unless forced', async () => {
      await registerVersion(
        { name: 'm', bundleDir: await tinyBundle(path.join(t.home, 'x'), 'x'), evaluate: score(0.5, 'test') },
        deps,
      );
      await registerVersion(
        {
          name: 'm',
          bundleDir: await tinyBundle(path.join(t.home, 'y'), 'y'),
          evaluate: score(0.9, 'validation'),
        },
        deps,
      );
      await promoteVersion({ name: 'm', version: 1 }, deps);
      await expect(promoteVersion({ name: 'm', version: 2 }, deps)).rejects.toMatchObject({
        code: 'REGISTRY_GATE_INCOMPARABLE',
      });
      await expect(promoteVersion({ name: 'm', version: 2, isForced: true }, deps)).resolves.toMatchObject({
        version: 2,
      });
    });

    it('resolves name@version, name@alias and a bundle path to a local bundle, and names what is missing', async () => {
      const dir = await tinyBundle(path.join(t.home, 'b'), 'b');
      const { version } = await registerVersion({ name: 'rakuten', bundleDir: dir }, deps);
      expect(await resolveModelRef('rakuten@1', deps)).toEqual({
        name: 'rakuten',
        version: 1,
        bundleDir: dir,
        bundleSha256: version.bundle_sha256,
      });
      expect((await resolveModelRef('rakuten@challenger', deps)).bundleDir).toBe(dir);
      expect((await resolveModelRef(dir, deps)).bundleSha256).toBe(version.bundle_sha256);
      await expect(resolveModelRef('rakuten@champion', deps)).rejects.toMatchObject({
        code: 'REGISTRY_ALIAS_NOT_SET',
      });
      await expect(resolveModelRef('rakuten@9', deps)).rejects.toMatchObject({
        code: 'REGISTRY_VERSION_NOT_FOUND',
      });
      await expect(resolveModelRef('other@1', deps)).rejects.toMatchObject({
        code: 'REGISTRY_MODEL_NOT_FOUND',
      });
      await expect(resolveModelRef('not a ref', deps)).rejects.toMatchObject({
        code: 'REGISTRY_REF_INVALID',
      });
      rmSync(dir, { recursive: true });
      await expect(resolveModelRef('rakuten@1', deps)).rejects.toMatchObject({ code: 'BUNDLE_NOT_FOUND' });
    });

    it('records a run with params, metrics per epoch, tags, commit, data hash, bundle and timings', async () => {
      const train = trainResult(path.join(t.home, 'bundle'));
      const run = await recordRun(
        {
          experiment: 'nightly',
          train,
          params: { epochs: 2, lr: 0.01 },
          tags: { trigger: 'test' },
          gitCommit: 'c'.repeat(40),
        },
        deps,
      );
      expect(run).toMatchObject({
        experiment: 'nightly',
        status: 'finished',
        params: { kind: 'tfidf', epochs: 2, lr: 0.01 },
        tags: { trigger: 'test' },
        git_commit: 'c'.repeat(40),
        data_sha256: 'd'.repeat(64),
        bundle_path: train.bundleDir,
        bundle_sha256: 'b'.repeat(64),
      });
      expect(run.metrics.validation_weightedF1).toBeCloseTo(0.68);
      expect(Date.parse(run.ended_at ?? '') - Date.parse(run.started_at)).toBe(3200);
      const history = await runHistory(t.db, run.id);
      expect(
        history
          .filter((p) => p.key === 'validation_weighted_f1')
          .map((p) => [p.step, Number(p.value.toFixed(2))]),
      ).toEqual([
        [1, 0.5],
        [2, 0.68],
      ]);
      await recordRun({ train }, deps);
      expect((await listRuns(t.db)).length).toBe(2);
      expect((await listRuns(t.db, { experiment: 'nightly' })).map((r) => r.id)).toEqual([run.id]);
      expect((await getRun(t.db, run.id)).name).toBe(run.name);
      await expect(getRun(t.db, 'nope')).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
    });
  });
}
