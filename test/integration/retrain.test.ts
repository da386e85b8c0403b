import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/index.js';
import { type Database, importProducts, openDatabase } from '../../data/index.js';
import { type EngineInfo, useBackend } from '../../models/engine/index.js';
import { SHARED_DEFAULTS, TRAINING_DEFAULTS } from '../../models/training-defaults.js';
import { RetrainStepError, type RetrainStep } from '../../pipelines/retrain-errors.js';
import { LOCK_FILE } from '../../pipelines/retrain-lock.js';
import { type RetrainDeps, type RetrainInput, runRetrain } from '../../pipelines/retrain.js';
import { describeModel, LocalBlobStore } from '../../registry/index.js';
import { sharedDataDir } from '../support/shared-data.js';
import { makeTempDir } from './data-fixtures.js';

// The weekly loop end to end on the 4,970 real text rows of X_train, SQLite in a temp home,
// with a fast TF-IDF model (1-2 epochs).

const log = silentLogger();
let db: Database;
let home: string;
let engine: EngineInfo;
let store: LocalBlobStore;

const GOOD = { ...SHARED_DEFAULTS, ...TRAINING_DEFAULTS.tfidf, epochs: 2 };
const WEAK = { ...GOOD, epochs: 1, learningRate: 0.002 };

function input(name: string, options: RetrainInput['options'], extra: Partial<RetrainInput> = {}): RetrainInput {
  return { name, kind: 'tfidf', options, home, seed: 7, ...extra };
}

function deps(extra: Partial<RetrainDeps> = {}): RetrainDeps {
  return { db, log, actor: 'retrain-test', store, cacheDir: path.join(home, 'cache'), engine, ...extra };
}

async function aliases(name: string): Promise<Record<string, number>> {
  const model = await describeModel(db, name);
  return Object.fromEntries(model.aliases.map((a) => [a.alias, a.version]));
}

const failAt = (step: RetrainStep): Partial<RetrainDeps> => ({
  beforeStep: (current) => {
    if (current === step) throw new Error(`injected failure at ${step}`);
  },
});

beforeAll(async () => {
  const dataDir = sharedDataDir();
  engine = await useBackend({ preference: 'wasm' });
  home = makeTempDir('retrain');
  db = await openDatabase({ home });
  store = new LocalBlobStore(path.join(home, 'store'));
  const textFiles = [{ xPath: path.join(dataDir, 'X_train.csv'), yPath: path.join(dataDir, 'Y_train.csv'), source: 'challenge' as const }];
  await importProducts({ textFiles }, { db, log });
});

afterAll(async () => {
  await store?.close();
  await db?.close();
});

describe('runRetrain', () => {
  it('trains, registers, pushes and promotes v1 when there is no champion yet, and writes a report', async () => {
    const result = await runRetrain(input('rakuten', GOOD), deps());
    expect(result).toMatchObject({ decision: 'promote', version: 1, isNewVersion: true, championBefore: null, championAfter: 1 });
    expect(result.gate?.reason).toBe('no champion yet');
    expect(result.push?.name).toBe('rakuten');
    expect(result.steps.map((s) => s.step)).toEqual(['clean', 'split', 'train', 'record', 'evaluate', 'register', 'gate', 'push', 'report', 'promote']);
    expect(await aliases('rakuten')).toEqual({ champion: 1 });
    const report = JSON.parse(readFileSync(result.reportPath, 'utf8'));
    expect(result.reportPath).toContain(path.join(home, 'reports', 'retrain'));
    expect(report).toMatchObject({ decision: 'promote', version: 1, dataSha256: result.dataSha256 });
    expect(existsSync(path.join(home, LOCK_FILE))).toBe(false);
  });

  it('is idempotent: unchanged data and config create no new version and train nothing', async () => {
    const result = await runRetrain(input('rakuten', GOOD), deps());
    expect(result).toMatchObject({ decision: 'unchanged', version: 1, isNewVersion: false, championAfter: 1 });
    expect(result.steps.map((s) => s.step)).not.toContain('train');
    expect((await describeModel(db, 'rakuten')).versions).toHaveLength(1);
  });

  it('keeps the champion when a worse challenger fails the gate on the same split', async () => {
    const result = await runRetrain(input('rakuten', WEAK), deps());
    expect(result.decision).toBe('keep-champion');
    expect(result.gate?.isPassed).toBe(false);
    expect(result.gate?.championF1).toBeGreaterThan(result.gate?.challengerF1 ?? 1);
    expect(result.push).toBeNull();
    expect(await aliases('rakuten')).toEqual({ champion: 1, challenger: 2 });
  });

  it('--dry-run registers and scores but neither pushes nor promotes', async () => {
    const result = await runRetrain(input('dry', GOOD, { isDryRun: true }), deps());
    expect(result).toMatchObject({ decision: 'dry-run', push: null, championAfter: null });
    expect(await aliases('dry')).toEqual({ challenger: 1 });
  });

  it('a failure at any step names the step and leaves the champion serving; a rerun resumes', async () => {
    await runRetrain(input('resilient', WEAK), deps()); // v1, a weak champion
    const steps: RetrainStep[] = ['clean', 'split', 'train', 'record', 'evaluate', 'register', 'gate', 'push', 'report', 'promote'];
    for (const step of steps) {
      const error = await runRetrain(input('resilient', GOOD), deps(failAt(step))).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RetrainStepError);
      expect(error).toMatchObject({ code: 'RETRAIN_STEP_FAILED', step });
      expect((await aliases('resilient')).champion).toBe(1);
      expect(existsSync(path.join(home, LOCK_FILE))).toBe(false);
    }
    const result = await runRetrain(input('resilient', GOOD), deps());
    expect(result.decision).toBe('promote');
    expect(result.isNewVersion).toBe(false); // registered by the run that failed at "gate"
    expect(result.gate?.isPassed).toBe(true);
    expect((await aliases('resilient')).champion).toBe(result.version);
  });

  it('refuses to run while another retrain holds the lock, and takes over a stale one', async () => {
    const lock = path.join(home, LOCK_FILE);
    writeFileSync(lock, JSON.stringify({ pid: process.pid, host: hostname(), startedAt: new Date().toISOString() }));
    await expect(runRetrain(input('rakuten', GOOD), deps())).rejects.toMatchObject({ code: 'RETRAIN_LOCKED' });
    expect(existsSync(lock)).toBe(true);
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(lock, JSON.stringify({ pid: dead, host: hostname(), startedAt: new Date().toISOString() }));
    const result = await runRetrain(input('rakuten', GOOD), deps());
    expect(result.decision).toBe('unchanged');
    expect(existsSync(lock)).toBe(false);
  });
});
