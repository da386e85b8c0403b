import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BlobStore, LocalBlobStore, S3BlobStore } from '../../registry/index.js';
import { makeTempHome } from '../support/postgres-db.js';
import { type S3TestServer, startS3Server } from '../support/s3-server.js';

interface OpenedStore {
  store: BlobStore;
  cleanup: () => Promise<void>;
}

/** What every BlobStore must do; run against each implementation below. */
function blobStoreContract(name: string, open: () => Promise<OpenedStore>): void {
  describe(`BlobStore contract: ${name}`, () => {
    let opened: OpenedStore;
    let work: string;
    beforeAll(async () => {
      opened = await open();
      work = makeTempHome('blobs');
    });
    afterAll(async () => {
      await opened.cleanup();
      rmSync(work, { recursive: true, force: true });
    });

    it('returns the bytes it stored, and nothing for a key never written', async () => {
      await opened.store.putBytes('a/one.txt', Buffer.from('hello'));
      expect((await opened.store.getBytes('a/one.txt'))?.toString()).toBe('hello');
      expect(await opened.store.getBytes('a/none.txt')).toBeUndefined();
      expect(await opened.store.stat('a/one.txt')).toEqual({ bytes: 5 });
      expect(await opened.store.stat('a/none.txt')).toBeUndefined();
    });

    it('uploads and downloads a file larger than one multipart part unchanged', async () => {
      const source = path.join(work, 'big.bin');
      const data = randomBytes(6 * 1024 * 1024 + 123);
      writeFileSync(source, data);
      await opened.store.putFile('big/blob.bin', source);
      const target = path.join(work, 'down', 'blob.bin');
      expect(await opened.store.getFile('big/blob.bin', target)).toBe(true);
      expect(readFileSync(target).equals(data)).toBe(true);
      expect(await opened.store.getFile('big/missing.bin', path.join(work, 'missing.bin'))).toBe(false);
    });

    it('replaces an object whole when the same key is written again', async () => {
      await opened.store.putBytes('c/k', Buffer.from('first version'));
      await opened.store.putBytes('c/k', Buffer.from('2nd'));
      expect((await opened.store.getBytes('c/k'))?.toString()).toBe('2nd');
    });

    it('lists the keys under a prefix, sorted, and no others', async () => {
      await opened.store.putBytes('list/b', Buffer.from('b'));
      await opened.store.putBytes('list/a/x', Buffer.from('x'));
      await opened.store.putBytes('listing/other', Buffer.from('o'));
      expect(await opened.store.list('list/')).toEqual(['list/a/x', 'list/b']);
      expect(await opened.store.list('nothing-here/')).toEqual([]);
    });

    it('refuses keys that climb out of the store', async () => {
      await expect(opened.store.putBytes('../escape', Buffer.from('x'))).rejects.toMatchObject({
        code: 'REGISTRY_REF_INVALID',
      });
      await expect(opened.store.getBytes('/abs')).rejects.toMatchObject({ code: 'REGISTRY_REF_INVALID' });
    });
  });
}

blobStoreContract('LocalBlobStore', async () => {
  const root = makeTempHome('store');
  return {
    store: new LocalBlobStore(root),
    cleanup: async () => rmSync(root, { recursive: true, force: true }),
  };
});

let s3: S3TestServer | undefined;
blobStoreContract('S3BlobStore (s3rver on loopback)', async () => {
  s3 = await startS3Server();
  const store = new S3BlobStore({
    bucket: s3.bucket,
    endpoint: s3.endpoint,
    region: s3.region,
    credentials: s3.credentials,
    partSizeBytes: 5 * 1024 * 1024,
  });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await s3?.dispose();
    },
  };
});
