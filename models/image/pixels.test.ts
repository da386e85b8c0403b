import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError, loadConfig } from '../../core/index.js';
import { createPixelCache, loadPixels } from './pixels.js';

const dataDir = loadConfig(process.env).dataDir ?? '';
const imageDir = path.join(dataDir, 'images', 'image_train');
const firstImage = path.join(imageDir, readdirSync(imageDir).sort()[0] ?? '');

describe('loadPixels', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pixels-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('decodes a real product photo to size*size*3 values in [0, 1]', async () => {
    const pixels = await loadPixels(firstImage, 32);
    expect(pixels).toHaveLength(32 * 32 * 3);
    expect(Math.min(...pixels)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...pixels)).toBeLessThanOrEqual(1);
    expect(new Set(pixels).size).toBeGreaterThan(10);
  });

  it('gives the same pixels for a path and for its bytes', async () => {
    const fromBytes = await loadPixels(new Uint8Array(await readFile(firstImage)), 16);
    expect(fromBytes).toEqual(await loadPixels(firstImage, 16));
  });

  it('pads a wide image with white and flattens transparency onto white', async () => {
    const wide = await sharp({
      create: { width: 40, height: 10, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
    })
      .png()
      .toBuffer();
    const pixels = await loadPixels(new Uint8Array(wide), 8);
    expect([...pixels].every((v) => v === 1)).toBe(true);
    const gray = await sharp({
      create: { width: 10, height: 10, channels: 3, background: { r: 0, g: 0, b: 0 } },
    })
      .greyscale()
      .png()
      .toBuffer();
    expect([...(await loadPixels(new Uint8Array(gray), 4))].every((v) => v === 0)).toBe(true);
  });

  it('rejects a truncated JPEG and garbage bytes with IMAGE_UNREADABLE', async () => {
    const bytes = await readFile(firstImage);
    const truncated = new Uint8Array(bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expect(loadPixels(truncated, 16)).rejects.toMatchObject({
      name: 'InputError',
      code: 'IMAGE_UNREADABLE',
    });
    const garbage = new TextEncoder().encode('this is not an image');
    await expect(loadPixels(garbage, 16)).rejects.toBeInstanceOf(InputError);
    const file = path.join(dir, 'garbage.jpg');
    await writeFile(file, garbage);
    await expect(loadPixels(file, 16)).rejects.toThrow(
      /garbage\.jpg is not a readable JPEG, PNG or WebP image/,
    );
    await expect(loadPixels(path.join(dir, 'missing.jpg'), 16)).rejects.toMatchObject({
      code: 'IMAGE_UNREADABLE',
    });
  });
});

describe('createPixelCache', () => {
  it('returns the same decoded array for a repeated path and evicts the least recently used', async () => {
    const [a, b] = readdirSync(imageDir)
      .sort()
      .slice(0, 2)
      .map((f) => path.join(imageDir, f));
    const cache = createPixelCache(1);
    const first = await cache.load(a ?? '', 8);
    expect(await cache.load(a ?? '', 8)).toBe(first);
    await cache.load(b ?? '', 8);
    expect(cache.size).toBe(1);
    expect(await cache.load(a ?? '', 8)).not.toBe(first);
  });
});
