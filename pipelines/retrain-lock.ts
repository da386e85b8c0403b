import { hostname } from 'node:os';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ConflictError } from '../core/index.js';

/** `<home>/retrain.lock`: at most one retrain per home (and per shared database, when homes are shared). */
export const LOCK_FILE = 'retrain.lock';
/** A lock older than this is taken over even when its pid cannot be checked (another host). */
export const DEFAULT_STALE_LOCK_MS = 6 * 60 * 60 * 1000;

const lockSchema = z.object({ pid: z.number().int(), host: z.string(), startedAt: z.string() });
export type LockOwner = z.infer<typeof lockSchema>;

export interface LockOptions {
  home: string;
  staleAfterMs?: number;
  now?: () => Date;
}

export interface RetrainLock {
  path: string;
  /** Set when a stale lock (dead pid or too old) was taken over. */
  tookOverFrom: LockOwner | null;
  release: () => Promise<void>;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error: unknown) {
    // EPERM: the process exists but belongs to someone else.
    return error instanceof Error && 'code' in error && error.code === 'EPERM';
  }
}

async function readOwner(file: string): Promise<LockOwner | null> {
  try {
    const parsed = lockSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch (error: unknown) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return null;
    if (error instanceof SyntaxError) return null; // a half-written lock: its writer died mid-write
    throw error;
  }
}

function isStale(owner: LockOwner | null, staleAfterMs: number, now: Date): boolean {
  if (owner === null) return true;
  const age = now.getTime() - Date.parse(owner.startedAt);
  if (!(age < staleAfterMs)) return true;
  return owner.host === hostname() && !isProcessAlive(owner.pid);
}

/**
 * Takes the retrain lock (created exclusively, holding pid, host and start time). A lock whose process
 * is gone on this host, or older than `staleAfterMs`, is stale and taken over; a live one refuses with
 * RETRAIN_LOCKED.
 */
export async function acquireRetrainLock(options: LockOptions): Promise<RetrainLock> {
  const file = path.join(options.home, LOCK_FILE);
  const now = options.now ?? (() => new Date());
  await mkdir(options.home, { recursive: true });
  let tookOverFrom: LockOwner | null = null;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(file, 'wx');
      const owner: LockOwner = { pid: process.pid, host: hostname(), startedAt: now().toISOString() };
      await handle.writeFile(`${JSON.stringify(owner)}\n`);
      await handle.close();
      return { path: file, tookOverFrom, release: () => rm(file, { force: true }) };
    } catch (error: unknown) {
      if (!(error instanceof Error && 'code' in error && error.code === 'EEXIST')) throw error;
    }
    const owner = await readOwner(file);
    if (!isStale(owner, options.staleAfterMs ?? DEFAULT_STALE_LOCK_MS, now())) {
      throw new ConflictError(
        'RETRAIN_LOCKED',
        `Another retrain is running (pid ${owner?.pid} on ${owner?.host}, since ${owner?.startedAt}).`,
        { hint: `Wait for it to finish. If it is gone, delete ${file}.` },
      );
    }
    tookOverFrom = owner;
    await rm(file, { force: true });
  }
  throw new ConflictError('RETRAIN_LOCKED', `Could not take ${file}: another process keeps creating it.`);
}
