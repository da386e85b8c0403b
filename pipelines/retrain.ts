import { createHash } from 'node:crypto';
import path from 'node:path';
import { NotFoundError } from '../core/index.js';
import { cleanProducts, prepareImages, type SplitName, splitProducts } from '../data/index.js';
import type { ModelKind } from '../models/classifiers/classifier.js';
import type { EngineInfo } from '../models/engine/index.js';
import { evaluateBundle } from '../models/evaluate.js';
import { DEFAULT_PARTS, type PartKinds, type TrainInput, trainModel } from '../models/train.js';
import { TRAINING_DEFAULTS } from '../models/training-defaults.js';
import {
  DEFAULT_GATE_MARGIN,
  describeModel,
  getRun,
  type ModelVersion,
  type PushResult,
  promoteVersion,
  pushVersion,
  type RegistryDeps,
  recordRun,
  registerVersion,
  resolveModelRef,
} from '../registry/index.js';
import { RETRAIN_STEPS, RetrainStepError, type RetrainStep } from './retrain-errors.js';
import { acquireRetrainLock } from './retrain-lock.js';
import { type RetrainDecision, type SameDataGate, type StepTiming, sameDataGate, writeRetrainReport } from './retrain-report.js';

export interface RetrainInput {
  /** The registered model, e.g. `rakuten`. */
  name: string;
  /** The kind to train and gate. fusion (from parts) and late-fusion rebuild their parts first. */
  kind: ModelKind;
  options: Omit<TrainInput['options'], 'componentBundles'>;
  /**
   * fusion / late-fusion: the text and image kinds rebuilt as their parts (default text-svm and
   * image-transfer). Image features are cached per photo and backbone under `<home>/images/features`,
   * so a weekly rebuild only runs the backbone on new photos.
   */
  parts?: PartKinds;
  /** Bundles, reports, splits, image cache and the lock live here. */
  home: string;
  /** Split seed (same data + seed = same split). */
  seed: number;
  /** Do everything except push and promote. */
  isDryRun?: boolean;
  /** Split both models are scored on for the gate; default test. */
  evalSplit?: SplitName;
  marginF1?: number;
  experiment?: string;
  gitCommit?: string | null;
  staleLockMs?: number;
}

export interface RetrainDeps extends RegistryDeps {
  engine: EngineInfo;
  /** Called before each step; a throw fails that step (tests inject failures through it). */
  beforeStep?: (step: RetrainStep) => void | Promise<void>;
}

export interface RetrainResult {
  name: string;
  kind: ModelKind;
  decision: RetrainDecision;
  dataSha256: string;
  /** The challenger's version (new, or the one already registered for this data and config). */
  version: number;
  isNewVersion: boolean;
  runId: string | null;
  championBefore: number | null;
  championAfter: number | null;
  gate: SameDataGate | null;
  push: PushResult | null;
  reportPath: string;
  steps: StepTiming[];
  durationMs: number;
}

const IMAGE_KINDS: ReadonlySet<ModelKind> = new Set(['cnn', 'fusion', 'image-transfer', 'late-fusion']);
const isCombining = (input: RetrainInput) =>
  input.kind === 'late-fusion' || (input.kind === 'fusion' && input.options.fusionArch !== 'reference');

/** Image sizes the run reads: the model's, and its image part's when it rebuilds one. */
function imageSizes(input: RetrainInput): number[] {
  const sizes = new Set([input.options.imageSizePx]);
  if (isCombining(input)) sizes.add(TRAINING_DEFAULTS[input.parts?.image ?? DEFAULT_PARTS.image].imageSizePx ?? 64);
  return [...sizes];
}

function configSha(input: RetrainInput): string {
  const config = { kind: input.kind, seed: input.seed, options: input.options, ...(isCombining(input) ? { parts: { ...DEFAULT_PARTS, ...input.parts } } : {}) };
  return createHash('sha256').update(JSON.stringify(config)).digest('hex');
}

async function versionsOf(deps: RetrainDeps, name: string): Promise<{ versions: ModelVersion[]; champion: number | null }> {
  try {
    const model = await describeModel(deps.db, name);
    return { versions: model.versions, champion: model.aliases.find((a) => a.alias === 'champion')?.version ?? null };
  } catch (error: unknown) {
    if (error instanceof NotFoundError && error.code === 'REGISTRY_MODEL_NOT_FOUND') return { versions: [], champion: null };
    throw error;
  }
}

/** The version already trained by retrain on this data with this exact config, if any. */
async function findSameVersion(deps: RetrainDeps, versions: readonly ModelVersion[], dataSha256: string, config: string) {
  for (const v of versions) {
    if (v.data_sha256 !== dataSha256 || v.run_id === null) continue;
    const run = await getRun(deps.db, v.run_id).catch((error: unknown) => {
      if (error instanceof NotFoundError) return null;
      throw error;
    });
    if (run?.tags.retrainConfig === config) return v;
  }
  return undefined;
}

/**
 * `rakuten-ml retrain`, the weekly loop: clean and split every labelled product (challenge data and
 * seller-confirmed products), train the configured model, record the run, score it and the current
 * champion on the same split, register it, and — when it beats the champion by the margin — push it
 * and promote it. One run at a time (lock file); a failure throws RetrainStepError naming the step,
 * with the champion unchanged. Re-running on unchanged data and config reuses the registered version.
 */
export async function runRetrain(input: RetrainInput, deps: RetrainDeps): Promise<RetrainResult> {
  const startedAt = new Date();
  const lock = await acquireRetrainLock({ home: input.home, ...(input.staleLockMs ? { staleAfterMs: input.staleLockMs } : {}) });
  const steps: StepTiming[] = [];
  const stage = { db: deps.db, log: deps.log, ...(deps.onProgress ? { onProgress: deps.onProgress } : {}) };
  const run = async <T>(step: RetrainStep, work: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    deps.onProgress?.({ stage: 'retrain', done: RETRAIN_STEPS.indexOf(step), total: RETRAIN_STEPS.length, detail: step });
    try {
      await deps.beforeStep?.(step);
      const result = await work();
      steps.push({ step, seconds: (performance.now() - t0) / 1000 });
      deps.log.info({ step, seconds: (performance.now() - t0) / 1000 }, 'retrain step done');
      return result;
    } catch (error: unknown) {
      deps.log.error({ step, error: error instanceof Error ? error.message : String(error) }, 'retrain step failed');
      throw error instanceof RetrainStepError ? error : new RetrainStepError(step, error);
    }
  };
  try {
    const evalSplit = input.evalSplit ?? 'test';
    const marginF1 = input.marginF1 ?? DEFAULT_GATE_MARGIN;
    const reportsDir = path.join(input.home, 'reports');
    await run('clean', () => cleanProducts({}, stage));
    if (IMAGE_KINDS.has(input.kind)) {
      await run('images', () => prepareImages({ cacheDir: path.join(input.home, 'images'), sizesPx: imageSizes(input) }, stage));
    }
    const split = await run('split', () => splitProducts({ seed: input.seed, manifestDir: path.join(input.home, 'splits') }, stage));
    const dataSha256 = split.manifest.dataSha256;
    const config = configSha(input);
    const before = await versionsOf(deps, input.name);
    const existing = await findSameVersion(deps, before.versions, dataSha256, config);

    let version: ModelVersion;
    let isNewVersion = false;
    let runId: string | null = existing?.run_id ?? null;
    let challengerF1: number;
    let championF1: number | null = null;
    const scoreOf = async (bundleDir: string) =>
      (await evaluateBundle({ bundleDir, split: evalSplit, reportsDir }, { db: deps.db, log: deps.log })).metrics.weightedF1;
    const championScore = async () => {
      if (before.champion === null) return null;
      const champion = await resolveModelRef(`${input.name}@${before.champion}`, deps);
      return scoreOf(champion.bundleDir);
    };

    if (existing && existing.version === before.champion) {
      version = existing; // unchanged data and config: the champion already is this model
      challengerF1 = existing.weighted_f1 ?? Number.NaN;
    } else if (existing) {
      version = existing;
      [challengerF1, championF1] = await run('evaluate', async () => {
        const bundle = await resolveModelRef(`${input.name}@${existing.version}`, deps);
        return [await scoreOf(bundle.bundleDir), await championScore()] as const;
      });
    } else {
      const bundleDir = path.join(input.home, 'bundles', 'retrain', `${input.kind}-${startedAt.toISOString().replace(/[:.]/g, '-')}`);
      const trained = await run('train', () =>
        trainModel({ kind: input.kind, bundleDir, options: input.options, ...(input.parts ? { parts: input.parts } : {}) }, { db: deps.db, log: deps.log, engine: deps.engine, ...(deps.onProgress ? { onProgress: deps.onProgress } : {}) }),
      );
      const recorded = await run('record', () =>
        recordRun(
          {
            train: trained,
            params: { ...input.options, seed: input.seed },
            tags: { pipeline: 'retrain', retrainConfig: config, backend: deps.engine.backend },
            experiment: input.experiment ?? 'retrain',
            gitCommit: input.gitCommit ?? null,
          },
          deps,
        ),
      );
      runId = recorded.id;
      [challengerF1, championF1] = await run('evaluate', async () => [await scoreOf(bundleDir), await championScore()] as const);
      const registered = await run('register', () =>
        registerVersion({ name: input.name, bundleDir, runId: recorded.id, evaluate: async () => ({ split: evalSplit, weightedF1: challengerF1 }) }, deps),
      );
      version = registered.version;
      isNewVersion = registered.isNew;
    }

    const isUnchanged = version.version === before.champion;
    const gate = isUnchanged
      ? null
      : await run('gate', async () => sameDataGate({ split: evalSplit, challengerF1, championF1, marginF1 }));
    const decision: RetrainDecision = isUnchanged
      ? 'unchanged'
      : input.isDryRun
        ? 'dry-run'
        : gate?.isPassed
          ? 'promote'
          : 'keep-champion';
    // Pushed before promotion, so a champion is always in the store for other machines to pull.
    const shouldPush = deps.store !== undefined && (decision === 'promote' || (decision === 'unchanged' && !input.isDryRun));
    const push = shouldPush ? await run('push', () => pushVersion({ name: input.name, version: version.version }, deps)) : null;
    const result: RetrainResult = {
      name: input.name,
      kind: input.kind,
      decision,
      dataSha256,
      version: version.version,
      isNewVersion,
      runId,
      championBefore: before.champion,
      championAfter: decision === 'promote' ? version.version : before.champion,
      gate,
      push,
      reportPath: '',
      steps,
      durationMs: 0,
    };
    result.reportPath = await run('report', () =>
      writeRetrainReport(path.join(reportsDir, 'retrain'), startedAt, { ...result, startedAt: startedAt.toISOString(), split: split.manifest.counts }),
    );
    if (decision === 'promote') {
      // The registry's own gate compares stored scores; they are comparable only when the champion was
      // scored on this very data. Otherwise the same-data gate above decided, and the audit trail says so.
      const champion = before.versions.find((v) => v.version === before.champion);
      const isStoredComparable =
        champion === undefined || (champion.data_sha256 === dataSha256 && champion.eval_split === evalSplit && champion.weighted_f1 !== null);
      await run('promote', () => promoteVersion({ name: input.name, version: version.version, marginF1, isForced: !isStoredComparable }, deps));
    }
    result.durationMs = Date.now() - startedAt.getTime();
    return result;
  } finally {
    await lock.release();
  }
}
