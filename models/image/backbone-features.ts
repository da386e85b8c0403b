import path from 'node:path';
import type { ProgressListener } from '../../core/index.js';
import { InputError, messageOf } from '../../core/index.js';
import type { Backbone } from './backbone.js';
import { type FeatureCache, openFeatureCache } from './feature-cache.js';
import type { ImageSource } from './image-batches.js';
import { loadPixels } from './pixels.js';

const CONTENT_ADDRESSED = /^([0-9a-f]{64})\.png$/;
const SIZE_FOLDER = /^\d+$/;
const BATCH = 16;

/**
 * Where a photo's features are cached: photos of the image cache (`data images` writes
 * `<cache>/<sizePx>/<sha256>.png`) keep theirs beside it in `<cache>/features/`, so training, the
 * bench and the weekly retrain share them with no setting. Other photos (uploads, loose files)
 * are not cached.
 */
function cacheSlot(source: ImageSource): { root: string; sha256: string } | undefined {
  if (typeof source !== 'string') return undefined;
  const sha256 = CONTENT_ADDRESSED.exec(path.basename(source))?.[1];
  const sizeDir = path.dirname(source);
  if (sha256 === undefined || !SIZE_FOLDER.test(path.basename(sizeDir))) return undefined;
  return { root: path.join(path.dirname(sizeDir), 'features'), sha256 };
}

export interface ExtractOptions {
  backbone: Backbone;
  /** Size the photos are decoded at (the `data images` variant); the backbone resizes to its input. */
  sizePx: number;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
}

/**
 * Backbone features of each photo, in order. Photos of the image cache read their features from
 * `<cache>/features/<backbone id>/` when present; the rest run through the network in batches of
 * 16, and the cacheable ones are written back one file each (atomically).
 *
 * @throws InputError IMAGE_UNREADABLE naming the file that cannot be decoded; every photo of the
 * batches before it stays cached, nothing is half-written.
 */
export async function extractFeatures(sources: readonly ImageSource[], options: ExtractOptions): Promise<Float32Array[]> {
  const { backbone, sizePx } = options;
  const out: (Float32Array | undefined)[] = new Array(sources.length);
  const caches = new Map<string, FeatureCache>();
  const slots = sources.map((source) => {
    const slot = cacheSlot(source);
    if (slot === undefined) return undefined;
    const cache = caches.get(slot.root) ?? openFeatureCache(slot.root, backbone.id);
    caches.set(slot.root, cache);
    return { cache, sha256: slot.sha256 };
  });
  const missing: number[] = [];
  for (let i = 0; i < sources.length; i++) {
    const slot = slots[i];
    const hit = slot ? await slot.cache.get(slot.sha256, sizePx, backbone.featureSize) : undefined;
    if (hit) out[i] = hit;
    else missing.push(i);
  }
  const pixelsPerImage = sizePx * sizePx * 3;
  for (let start = 0; start < missing.length; start += BATCH) {
    options.signal?.throwIfAborted();
    const chunk = missing.slice(start, start + BATCH);
    const batch = new Float32Array(chunk.length * pixelsPerImage);
    await Promise.all(
      chunk.map(async (index, k) => {
        const source = sources[index];
        if (source === undefined) return;
        try {
          batch.set(await loadPixels(source, sizePx), k * pixelsPerImage);
        } catch (error: unknown) {
          const what = typeof source === 'string' ? source : `an uploaded image (${source.byteLength} bytes)`;
          throw new InputError('IMAGE_UNREADABLE', `Cannot compute image features of ${what}: ${messageOf(error)}`, {
            hint: 'Run `rakuten-ml data images` again (it marks undecodable photos) or remove the file.',
            cause: error,
          });
        }
      }),
    );
    const features = await backbone.extract(batch, chunk.length, sizePx);
    for (let k = 0; k < chunk.length; k++) {
      const index = chunk[k];
      const vector = features[k];
      if (index === undefined || vector === undefined) continue;
      out[index] = vector;
      const slot = slots[index];
      if (slot) await slot.cache.put(slot.sha256, sizePx, vector);
    }
    options.onProgress?.({
      stage: `image features (${backbone.source})`,
      done: Math.min(start + BATCH, missing.length),
      total: missing.length,
    });
  }
  return out.map((v) => v ?? new Float32Array(backbone.featureSize));
}
