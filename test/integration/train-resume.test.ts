import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/index.js';
import { cleanProducts, importProducts, openDatabase, splitProducts } from '../../data/index.js';
import { readManifest } from '../../models/bundle.js';
import { checkpointPathOf, readCheckpoint } from '../../models/checkpoint.js';
import { useBackend } from '../../models/engine/index.js';
import { loadClassifier } from '../../models/load-classifier.js';
import { sharedDataDir } from '../support/shared-data.js';
import { headOfCsv, makeTempDir } from './data-fixtures.js';

// Long training is safe (issue 10, item 5): a run killed with SIGKILL in the middle of an epoch
// resumes from its last checkpoint to a valid bundle; Ctrl-C (SIGINT) stops cleanly with a valid
// bundle of the best epoch and keeps the checkpoint. Small real data, a short LSTM.

const run = promisify(execFile);
const log = silentLogger();
let home: string;
const children: ChildProcess[] = [];
// Small and quick: 3 epochs of ~25 steps each.
const TRAIN_FLAGS = ['--model', 'lstm', '--epochs', '3', '--patience', '5', '--vocab', '1500', '--seq-len', '12', '--batch-size', '64'];

function cli(args: string[]) {
  return run(process.execPath, ['--import', 'tsx', 'cli/main.ts', '--home', home, ...args], {
    env: { ...process.env, RAKUTEN_ML_HOME: home },
    maxBuffer: 16 << 20,
  });
}

/** Starts the CLI and sends `signal` once stderr shows a progress line matching `when`. */
function runUntil(args: string[], when: RegExp, signal: NodeJS.Signals): Promise<{ code: number | null; killedBy: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', '--home', home, ...args], {
      env: { ...process.env, RAKUTEN_ML_HOME: home },
    });
    children.push(child);
    let stdout = '';
    let stderr = '';
    let isSent = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!isSent && when.test(stderr)) {
        isSent = true;
        child.kill(signal);
      }
    });
    child.on('error', reject);
    child.on('exit', (code, killedBy) => resolve({ code, killedBy, stdout, stderr }));
  });
}

beforeAll(async () => {
  const dataDir = sharedDataDir();
  home = makeTempDir('resume');
  const db = await openDatabase({ home });
  const rows = 1500;
  const textFiles = [
    {
      xPath: headOfCsv(path.join(dataDir, 'X_train.csv'), rows, home, 'X.csv'),
      yPath: headOfCsv(path.join(dataDir, 'Y_train.csv'), rows, home, 'Y.csv'),
      source: 'challenge' as const,
    },
  ];
  await importProducts({ textFiles }, { db, log });
  await cleanProducts({}, { db, log });
  await splitProducts({ seed: 7, manifestDir: path.join(home, 'splits') }, { db, log });
  await db.close();
});

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

describe('train --resume', () => {
  it('resumes a run killed mid-epoch (SIGKILL) and a run stopped by Ctrl-C, to a valid, loadable bundle', async () => {
    const out = path.join(home, 'bundles', 'lstm');
    const checkpoint = checkpointPathOf(out);

    // 1. SIGKILL in the middle of epoch 2: nothing is written but epoch 1's checkpoint.
    const killed = await runUntil(['train', ...TRAIN_FLAGS, '--out', out], /lstm epoch 2\/3: \d+\/\d+/, 'SIGKILL');
    expect(killed.killedBy, killed.stderr).toBe('SIGKILL');
    expect(killed.stderr).toMatch(/lstm epoch 1\/3 done in \d+ s: loss [\d.]+, validation weighted F1 [\d.]+, first epoch/);
    expect(killed.stderr).toMatch(/elapsed \d/);
    expect(existsSync(path.join(out, 'manifest.json'))).toBe(false);
    const saved = await readCheckpoint(checkpoint);
    expect(saved.kind).toBe('lstm');
    expect(saved.state.nextEpoch).toBe(1);
    expect(saved.state.optimizerWeights.length).toBeGreaterThan(1);

    // 2. Resume, then Ctrl-C in the middle of epoch 3: a valid bundle of the best epoch, checkpoint kept.
    const interrupted = await runUntil(['train', '--resume', out], /lstm epoch 3\/3: \d+\/\d+/, 'SIGINT');
    expect(interrupted.code, interrupted.stderr).toBe(0);
    expect(interrupted.stderr).not.toMatch(/lstm epoch 1\/3:/);
    expect(interrupted.stdout).toMatch(/interrupted after 2 epoch\(s\)/);
    const partial = await readManifest(out);
    expect((partial.metadata.history as unknown[]).length).toBe(2);
    expect((await readCheckpoint(checkpoint)).state.nextEpoch).toBe(2);

    // 3. Resume again: the third epoch runs, the checkpoint goes, the bundle loads and predicts.
    const { stdout } = await cli(['train', '--resume', out, '--json']);
    const result = JSON.parse(stdout) as { history: { epoch: number; validationWeightedF1: number }[]; isInterrupted: boolean };
    expect(result.isInterrupted).toBe(false);
    expect(result.history.map((h) => h.epoch)).toEqual([0, 1, 2]);
    // Epoch 1's record came from the killed run's checkpoint, unchanged.
    expect(result.history[0]?.validationWeightedF1).toBe(saved.state.history[0]?.validationWeightedF1);
    expect(existsSync(checkpoint)).toBe(false);
    await useBackend({ preference: 'wasm' });
    const classifier = await loadClassifier(out);
    const [probabilities] = await classifier.predictProba([{ text: 'piscine gonflable pour enfants' }]);
    expect(probabilities?.length).toBe(27);
    expect(probabilities?.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    classifier.dispose();
  });

  it('says clearly when there is no checkpoint to resume', async () => {
    await expect(cli(['train', '--resume', path.join(home, 'nothing-here')])).rejects.toMatchObject({ code: 3 });
  });
});
