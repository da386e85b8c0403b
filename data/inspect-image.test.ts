import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { inspectImage, inspectImageBytes } from './inspect-image.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rakuten-inspect-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const solid = (format: 'jpeg' | 'png' | 'webp') =>
  sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 200, g: 10, b: 10 } } }).toFormat(format).toBuffer();

describe('inspectImageBytes (shared by data import and the API, issue #12)', () => {
  it('reads the type from the bytes and hashes them', async () => {
    for (const format of ['jpeg', 'png', 'webp'] as const) {
      const bytes = await solid(format);
      expect(inspectImageBytes(bytes)).toEqual({ isValid: true, type: format, bytes: bytes.length, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    }
  });

  it('says why bytes are unusable: empty, not an image, truncated', async () => {
    expect(inspectImageBytes(Buffer.alloc(0))).toMatchObject({ isValid: false, problem: 'empty' });
    expect(inspectImageBytes(Buffer.from('just some text'))).toMatchObject({ isValid: false, problem: 'unknown-type' });
    const jpeg = await solid('jpeg');
    expect(inspectImageBytes(jpeg.subarray(0, jpeg.length - 8))).toMatchObject({ isValid: false, problem: 'truncated', reason: 'truncated jpeg (no end marker)' });
  });

  it('gives a file the same answer as its bytes, and a missing file its own problem', async () => {
    const png = await solid('png');
    const file = path.join(dir, 'photo.jpg');
    writeFileSync(file, png);
    expect(await inspectImage(file)).toEqual(inspectImageBytes(png));
    expect(await inspectImage(path.join(dir, 'missing.jpg'))).toMatchObject({ isValid: false, sha256: null, problem: 'unreadable' });
  });
});
