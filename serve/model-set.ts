import path from 'node:path';
import type { Logger } from '../core/index.js';
import { messageOf, NotFoundError, UpstreamError } from '../core/index.js';
import type { Classifier, Modality } from '../models/classifiers/classifier.js';

/** Turns a model ref (a bundle dir, or a registry ref such as `rakuten@champion`) into a bundle. */
export type ModelResolver = (ref: string) => Promise<{ bundleDir: string; version: string; name?: string }>;
export type ClassifierLoader = (bundleDir: string) => Promise<Classifier>;

export const SLOTS = ['model', 'textModel', 'imageModel'] as const;
export type Slot = (typeof SLOTS)[number];

/** One served model: what it reads, and which bundle version it is. */
export interface ServedModel {
  slot: Slot;
  ref: string;
  name: string;
  version: string;
  classifier: Classifier;
}

interface Held {
  model: ServedModel;
  inFlight: number;
  isRetired: boolean;
}

export interface ReloadResult {
  reloaded: { slot: Slot; from: string; to: string }[];
  failed: { slot: Slot; error: string }[];
}

export interface ModelSet {
  /** The loaded models, in slot order. */
  list(): ServedModel[];
  /**
   * Runs fn with the model for what was sent: one that reads exactly those modalities, else one
   * that reads them all, else one that reads any of them. The model is not disposed while fn runs,
   * even if a reload swaps it out meanwhile.
   */
  use<T>(sent: readonly Modality[], fn: (model: ServedModel) => Promise<T>): Promise<T | undefined>;
  /** Resolves every ref again; a new version is loaded fully, then swapped in; failures keep the old one. */
  reload(): Promise<ReloadResult>;
  dispose(): void;
}

function pick(held: readonly Held[], sent: readonly Modality[]): Held | undefined {
  const reads = (h: Held) => h.model.classifier.modalities;
  return (
    held.find((h) => reads(h).length === sent.length && sent.every((m) => reads(h).includes(m))) ??
    held.find((h) => sent.every((m) => reads(h).includes(m))) ??
    held.find((h) => sent.some((m) => reads(h).includes(m)))
  );
}

/** The default resolver: the ref is a local bundle directory; the version is its manifest digest. */
export async function resolveLocalBundle(ref: string): Promise<{ bundleDir: string; version: string }> {
  const { bundleDigest, readManifest } = await import('../models/bundle.js');
  const bundleDir = path.resolve(ref);
  return { bundleDir, version: bundleDigest(await readManifest(bundleDir)) };
}

export interface LoadModelSetOptions {
  refs: Partial<Record<Slot, string>>;
  resolve: ModelResolver;
  load: ClassifierLoader;
  log: Logger;
}

/**
 * Loads every named model; an initial failure is fatal: a ref that names nothing (no bundle, model,
 * version or alias) keeps its NotFoundError code and hint (exit 3, as under `evaluate`), anything
 * else is an UpstreamError SERVE_MODEL_UNAVAILABLE.
 */
export async function loadModelSet(options: LoadModelSetOptions): Promise<ModelSet> {
  const { resolve, load, log } = options;
  const open = async (slot: Slot, ref: string, resolved: Awaited<ReturnType<ModelResolver>>): Promise<ServedModel> => {
    const classifier = await load(resolved.bundleDir);
    return { slot, ref, name: resolved.name ?? classifier.kind, version: resolved.version, classifier };
  };
  const held: Held[] = [];
  const retire = (h: Held) => {
    h.isRetired = true;
    if (h.inFlight === 0) h.model.classifier.dispose();
  };
  try {
    for (const slot of SLOTS) {
      const ref = options.refs[slot];
      if (ref) held.push({ model: await open(slot, ref, await resolve(ref)), inFlight: 0, isRetired: false });
    }
  } catch (error: unknown) {
    for (const h of held) h.model.classifier.dispose();
    if (error instanceof NotFoundError) {
      throw new NotFoundError(error.code, `Could not load the model: ${error.message}`, { hint: error.hint, cause: error });
    }
    throw new UpstreamError('SERVE_MODEL_UNAVAILABLE', `Could not load the model: ${messageOf(error)}`, {
      hint: 'Check --model/--text-model/--image-model: a bundle dir written by `rakuten-ml train`, or a registry ref.',
      cause: error,
    });
  }
  return {
    list: () => held.map((h) => h.model),
    use: async (sent, fn) => {
      const h = pick(held, sent);
      if (!h) return undefined;
      h.inFlight++;
      try {
        return await fn(h.model);
      } finally {
        h.inFlight--;
        if (h.isRetired && h.inFlight === 0) h.model.classifier.dispose();
      }
    },
    reload: async () => {
      const result: ReloadResult = { reloaded: [], failed: [] };
      for (const [i, h] of held.entries()) {
        const { slot, ref, version } = h.model;
        try {
          const resolved = await resolve(ref);
          if (resolved.version === version) continue;
          const fresh = await open(slot, ref, resolved);
          held[i] = { model: fresh, inFlight: 0, isRetired: false };
          retire(h);
          result.reloaded.push({ slot, from: version, to: fresh.version });
          log.info({ slot, from: version, to: fresh.version }, 'model reloaded');
        } catch (error: unknown) {
          result.failed.push({ slot, error: messageOf(error) });
          log.error({ slot, ref, err: error }, 'model reload failed; the old model keeps serving');
        }
      }
      return result;
    },
    dispose: () => {
      for (const h of held) retire(h);
    },
  };
}
