import { readFile } from 'node:fs/promises';
import { InputError, messageOf } from '../../core/index.js';

const WHITE = { r: 255, g: 255, b: 255 };

/**
 * Decodes a JPEG/PNG/WebP (a path or its bytes) into RGB float32 pixels in [0, 1], HWC order,
 * `sizePx * sizePx * 3` values. The resize is the image cache's (`data images`: fit 'contain' on
 * white, alpha flattened onto white), so a photo sent to serve reaches the model exactly as the
 * cached training images did. A cached PNG already at `sizePx` passes through unchanged.
 *
 * @throws InputError IMAGE_UNREADABLE when the file is missing or the bytes are not a whole image.
 */
export async function loadPixels(source: string | Uint8Array, sizePx: number): Promise<Float32Array> {
  const { default: sharp } = await import('sharp');
  const what = typeof source === 'string' ? source : `${source.byteLength} image bytes`;
  let bytes: Uint8Array;
  try {
    bytes = typeof source === 'string' ? await readFile(source) : source;
  } catch (error: unknown) {
    throw new InputError('IMAGE_UNREADABLE', `Cannot read the image ${what}: ${messageOf(error)}`, {
      cause: error,
    });
  }
  let raw: { data: Buffer; info: { width: number; height: number; channels: number } };
  try {
    // failOn 'warning', as the cache does: a truncated JPEG is refused, not decoded with a grey tail.
    raw = await sharp(bytes, { failOn: 'warning' })
      .resize(sizePx, sizePx, { fit: 'contain', background: WHITE })
      .flatten({ background: WHITE })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (error: unknown) {
    throw new InputError('IMAGE_UNREADABLE', `${what} is not a readable JPEG, PNG or WebP image.`, {
      hint: 'Send the whole image file; truncated or non-image bytes cannot be classified.',
      cause: error,
    });
  }
  const { data, info } = raw;
  if (info.width !== sizePx || info.height !== sizePx || info.channels !== 3) {
    throw new InputError(
      'IMAGE_UNREADABLE',
      `${what} decoded to ${info.width}x${info.height}x${info.channels}, not ${sizePx}x${sizePx}x3.`,
    );
  }
  const pixels = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) pixels[i] = (data[i] ?? 0) / 255;
  return pixels;
}

/** A bounded least-recently-used cache of decoded images, keyed by path and size. */
export interface PixelCache {
  /** The decoded pixels of a file; the array is shared, so callers must copy before changing it. */
  load: (path: string, sizePx: number) => Promise<Float32Array>;
  readonly size: number;
}

/**
 * Keeps up to `maxEntries` decoded images in memory, so training epochs after the first skip
 * decoding (about 1,100 training images at 64 px take 54 MB as float32).
 */
export function createPixelCache(maxEntries: number): PixelCache {
  const entries = new Map<string, Promise<Float32Array>>();
  return {
    load: (path, sizePx) => {
      const key = `${sizePx}:${path}`;
      const hit = entries.get(key);
      if (hit !== undefined) {
        // Re-insert: a Map iterates in insertion order, so its first key is the least recently used.
        entries.delete(key);
        entries.set(key, hit);
        return hit;
      }
      const loading = loadPixels(path, sizePx);
      entries.set(key, loading);
      // A failed decode is not kept: the error reaches this caller, and a later call tries again.
      loading.catch(() => entries.delete(key));
      while (entries.size > maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done) break;
        entries.delete(oldest.value);
      }
      return loading;
    },
    get size() {
      return entries.size;
    },
  };
}

/** How many decoded images of this size fit a memory budget (256 MB by default: ~5,400 at 64 px). */
export function pixelCacheEntriesFor(sizePx: number, budgetBytes = 256 * 1024 * 1024): number {
  return Math.max(1, Math.floor(budgetBytes / (sizePx * sizePx * 3 * Float32Array.BYTES_PER_ELEMENT)));
}
