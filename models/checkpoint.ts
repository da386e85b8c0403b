import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { InputError, NotFoundError } from '../core/index.js';
import type { FitState, SavedTensor } from './fit-neural.js';

/**
 * A training checkpoint is one file beside the bundle it will become (`<bundleDir>.checkpoint`):
 * a 4-byte header length, a JSON header (what was being trained, with which options and data, and
 * the early-stopping state), then the float32 weights. It is written to a temp file and renamed
 * over the old one, so a kill at any moment leaves the previous epoch's checkpoint whole.
 */
export const CHECKPOINT_SUFFIX = '.checkpoint';

export function checkpointPathOf(bundleDir: string): string {
  return `${path.resolve(bundleDir)}${CHECKPOINT_SUFFIX}`;
}

const tensorEntrySchema = z.object({
  group: z.enum(['weights', 'bestWeights', 'optimizerWeights']),
  name: z.string(),
  shape: z.array(z.number().int().nonnegative()),
});

const epochRecordSchema = z.object({
  epoch: z.number(),
  loss: z.number(),
  validationWeightedF1: z.number(),
  seconds: z.number(),
});

const headerSchema = z.object({
  formatVersion: z.literal(1),
  kind: z.string(),
  bundleDir: z.string(),
  dataSha256: z.string(),
  /** The trainer options the run started with (train.ts's TrainInput.options). */
  options: z.record(z.string(), z.unknown()),
  savedAt: z.string(),
  nextEpoch: z.number().int().nonnegative(),
  history: z.array(epochRecordSchema),
  bestEpoch: z.number().int(),
  bestValidationWeightedF1: z.number().nullable(),
  tensors: z.array(tensorEntrySchema),
});

export type CheckpointHeader = z.infer<typeof headerSchema>;

export interface Checkpoint {
  kind: string;
  bundleDir: string;
  dataSha256: string;
  options: Record<string, unknown>;
  savedAt: string;
  state: FitState;
}

const GROUPS = ['weights', 'bestWeights', 'optimizerWeights'] as const;

const elementsOf = (shape: readonly number[]) => shape.reduce((n, d) => n * d, 1);

/** Writes a checkpoint atomically (temp file + fsync + rename). */
export async function writeCheckpoint(file: string, checkpoint: Omit<Checkpoint, 'savedAt'>): Promise<void> {
  const { state } = checkpoint;
  const tensors = GROUPS.flatMap((group) => state[group].map((t) => ({ group, name: t.name, shape: t.shape, values: t.values })));
  const header: CheckpointHeader = {
    formatVersion: 1,
    kind: checkpoint.kind,
    bundleDir: checkpoint.bundleDir,
    dataSha256: checkpoint.dataSha256,
    options: checkpoint.options,
    savedAt: new Date().toISOString(),
    nextEpoch: state.nextEpoch,
    history: state.history,
    bestEpoch: state.bestEpoch,
    // JSON has no -Infinity (no best epoch yet).
    bestValidationWeightedF1: Number.isFinite(state.bestValidationWeightedF1) ? state.bestValidationWeightedF1 : null,
    tensors: tensors.map(({ group, name, shape }) => ({ group, name, shape })),
  };
  const headerBytes = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(headerBytes.byteLength);
  const temp = `${file}.tmp-${randomUUID().slice(0, 8)}`;
  await mkdir(path.dirname(file), { recursive: true });
  const handle = await open(temp, 'w');
  try {
    await handle.write(length);
    await handle.write(headerBytes);
    for (const t of tensors) await handle.write(new Uint8Array(t.values.buffer, t.values.byteOffset, t.values.byteLength));
    await handle.sync();
  } catch (error: unknown) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  await rename(temp, file);
}

/** Reads a checkpoint back; a truncated or foreign file is TRAIN_CHECKPOINT_INVALID. */
export async function readCheckpoint(file: string): Promise<Checkpoint> {
  if (!existsSync(file)) {
    throw new NotFoundError('TRAIN_CHECKPOINT_NOT_FOUND', `No training checkpoint at ${file}.`, {
      hint: 'A checkpoint is written after each completed epoch of a tfjs model (lstm, word-cnn, cnn, fusion); a run stopped in its first epoch has none.',
    });
  }
  const bytes = await readFile(file);
  const invalid = (why: string) => new InputError('TRAIN_CHECKPOINT_INVALID', `${file} is not a usable checkpoint: ${why}.`);
  if (bytes.byteLength < 4) throw invalid('too short');
  const headerLength = bytes.readUInt32LE(0);
  if (4 + headerLength > bytes.byteLength) throw invalid('header cut short');
  let header: CheckpointHeader;
  try {
    header = headerSchema.parse(JSON.parse(bytes.subarray(4, 4 + headerLength).toString()));
  } catch (error: unknown) {
    throw new InputError('TRAIN_CHECKPOINT_INVALID', `${file} is not a usable checkpoint: unreadable header.`, { cause: error });
  }
  const expectedBytes = header.tensors.reduce((n, t) => n + 4 * elementsOf(t.shape), 4 + headerLength);
  if (expectedBytes !== bytes.byteLength) throw invalid(`${bytes.byteLength} bytes, expected ${expectedBytes}`);
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset + 4 + headerLength, bytes.byteOffset + bytes.byteLength));
  const groups: Record<(typeof GROUPS)[number], SavedTensor[]> = { weights: [], bestWeights: [], optimizerWeights: [] };
  let offset = 0;
  for (const t of header.tensors) {
    const n = elementsOf(t.shape);
    groups[t.group].push({ name: t.name, shape: t.shape, values: all.slice(offset, offset + n) });
    offset += n;
  }
  return {
    kind: header.kind,
    bundleDir: header.bundleDir,
    dataSha256: header.dataSha256,
    options: header.options,
    savedAt: header.savedAt,
    state: {
      nextEpoch: header.nextEpoch,
      history: header.history,
      bestEpoch: header.bestEpoch,
      bestValidationWeightedF1: header.bestValidationWeightedF1 ?? Number.NEGATIVE_INFINITY,
      ...groups,
    },
  };
}
