import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleDigest, openBundle, writeBundle } from './bundle.js';

async function tempDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'bundle-'));
}

describe('model bundles', () => {
  it('round-trips files and metadata, with a stable digest', async () => {
    const dir = path.join(await tempDir(), 'b1');
    const manifest = await writeBundle(dir, {
      kind: 'text-lstm',
      files: { 'model.json': '{"a":1}', 'weights.bin': new Uint8Array([1, 2, 3]) },
      metadata: { labels: [10, 40] },
    });
    const opened = await openBundle(dir);
    expect(opened.manifest).toEqual(manifest);
    expect([...(await opened.read('weights.bin'))]).toEqual([1, 2, 3]);
    expect(bundleDigest(opened.manifest)).toBe(bundleDigest(manifest));
    expect(await readdir(path.dirname(dir))).toEqual(['b1']); // no staging folder left behind
  });

  it('refuses a bundle whose file changed after it was written', async () => {
    const dir = path.join(await tempDir(), 'b2');
    await writeBundle(dir, { kind: 'k', files: { 'weights.bin': new Uint8Array([1, 2, 3]) }, metadata: {} });
    await writeFile(path.join(dir, 'weights.bin'), new Uint8Array([1, 2, 4]));
    await expect(openBundle(dir)).rejects.toMatchObject({ code: 'BUNDLE_CORRUPT', message: expect.stringContaining('sha256') });
  });

  it('refuses a bundle with a file its manifest does not list', async () => {
    const dir = path.join(await tempDir(), 'b3');
    await writeBundle(dir, { kind: 'k', files: { 'a.txt': 'a' }, metadata: {} });
    await writeFile(path.join(dir, 'intruder.js'), 'x');
    await expect(openBundle(dir)).rejects.toMatchObject({ code: 'BUNDLE_CORRUPT' });
  });

  it('says clearly when there is no bundle at all', async () => {
    await expect(openBundle(path.join(await tempDir(), 'nothing'))).rejects.toMatchObject({ code: 'BUNDLE_NOT_FOUND' });
  });

  it('rejects file names that would escape the bundle directory', async () => {
    const dir = path.join(await tempDir(), 'b4');
    await expect(writeBundle(dir, { kind: 'k', files: { '../evil': 'x' }, metadata: {} })).rejects.toMatchObject({
      code: 'BUNDLE_CORRUPT',
    });
  });
});
