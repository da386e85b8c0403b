import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Backbone features on disk, one float32 file per (backbone, image sha256, pixel size):
 * `<dir>/<backboneId>/<sizePx>/<sha[0:2]>/<sha>.f32`. Retraining a head, a fusion or a weekly
 * retrain reads these instead of running the network again (seconds instead of minutes).
 * Writes go to a unique temporary name and are renamed into place, so a crash or a failed photo
 * never leaves half a vector behind.
 */
export interface FeatureCache {
  /** The cached vector, or undefined when absent or of the wrong length (then it is recomputed). */
  get(imageSha256: string, sizePx: number, featureSize: number): Promise<Float32Array | undefined>;
  put(imageSha256: string, sizePx: number, features: Float32Array): Promise<void>;
}

export function openFeatureCache(dir: string, backboneId: string): FeatureCache {
  const fileOf = (sha: string, sizePx: number) => path.join(dir, backboneId, String(sizePx), sha.slice(0, 2), `${sha}.f32`);
  return {
    get: async (sha, sizePx, featureSize) => {
      const bytes = await readFile(fileOf(sha, sizePx)).catch(() => undefined);
      if (bytes === undefined || bytes.byteLength !== featureSize * 4) return undefined;
      return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    },
    put: async (sha, sizePx, features) => {
      const file = fileOf(sha, sizePx);
      await mkdir(path.dirname(file), { recursive: true });
      const temporary = `${file}.${randomUUID()}.tmp`;
      try {
        await writeFile(temporary, new Uint8Array(features.buffer, features.byteOffset, features.byteLength));
        await rename(temporary, file);
      } catch (error: unknown) {
        await rm(temporary, { force: true });
        throw error;
      }
    },
  };
}
