import { existsSync } from 'node:fs';
import { z } from 'zod';
import { InputError } from '../core/index.js';
import { currentSplitManifest } from '../data/index.js';
import { CHECKPOINT_SUFFIX, checkpointPathOf, readCheckpoint } from './checkpoint.js';
import { MODEL_KINDS } from './classifiers/classifier.js';
import { type TrainDeps, type TrainInput, type TrainResult, trainModel } from './train.js';

export interface ResumeInput {
  /** The bundle directory the interrupted run was writing, or its `.checkpoint` file. */
  from: string;
  /** Raise (or lower) the epoch budget of the resumed run. */
  epochs?: number;
}

// The options a run started with, as train.ts stored them; kind-specific extras pass through.
const optionsSchema = z
  .object({
    epochs: z.number().int().positive(),
    batchSize: z.number().positive(),
    learningRate: z.number().nonnegative(),
    seed: z.number(),
    patience: z.number().nonnegative(),
    useClassWeights: z.boolean(),
    vocabularySize: z.number().int().positive(),
    sequenceLength: z.number().int().positive(),
    imageSizePx: z.number().int().positive(),
    componentBundles: z.object({ text: z.string().optional(), image: z.string().optional() }).optional(),
  })
  .passthrough();

/** Where the checkpoint of `from` lives: the file itself, or the one beside a bundle directory. */
export function checkpointFileFor(from: string): string {
  return from.endsWith(CHECKPOINT_SUFFIX) && existsSync(from) ? from : checkpointPathOf(from);
}

/**
 * `rakuten-ml train --resume`: continues an interrupted run from its last completed epoch, with the
 * same options, optimizer state, early-stopping state and data order, into the same bundle
 * directory. The data split must be the one the run started on.
 */
export async function resumeTraining(input: ResumeInput, deps: TrainDeps): Promise<TrainResult> {
  const file = checkpointFileFor(input.from);
  const checkpoint = await readCheckpoint(file);
  const invalid = (why: string, hint: string) => new InputError('TRAIN_CHECKPOINT_INVALID', `Cannot resume from ${file}: ${why}.`, { hint });
  const kind = MODEL_KINDS.find((k) => k === checkpoint.kind);
  if (!kind) throw invalid(`unknown model kind "${checkpoint.kind}"`, 'Train again without --resume.');
  const split = await currentSplitManifest(deps.db);
  if (split.dataSha256 !== checkpoint.dataSha256) {
    throw invalid(
      `the data split changed since it was saved (${checkpoint.dataSha256.slice(0, 12)} then, ${split.dataSha256.slice(0, 12)} now)`,
      'Resume against the database the run started on (--home / RAKUTEN_ML_HOME), or train again without --resume.',
    );
  }
  const parsed = optionsSchema.safeParse(checkpoint.options);
  if (!parsed.success) throw invalid(`its options do not parse (${parsed.error.issues[0]?.message ?? 'unknown'})`, 'Train again without --resume.');
  const options: TrainInput['options'] = { ...parsed.data, ...(input.epochs === undefined ? {} : { epochs: input.epochs }) };
  deps.log.info({ kind, from: file, nextEpoch: checkpoint.state.nextEpoch + 1, savedAt: checkpoint.savedAt }, 'resuming');
  return trainModel({ kind, bundleDir: checkpoint.bundleDir, options, resumeFrom: checkpoint.state }, deps);
}
