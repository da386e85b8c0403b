import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { joinProductText } from './clean-text.js';
import { countCsvRecords, type ProductFileRow, readLabelFile, readProductFile } from './product-file.js';

function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'rakuten-product-file-'));
}

describe('readProductFile', () => {
  it('streams chunks of cleaned products, finding each photo by its official name', async () => {
    const dir = tempDir();
    const x = path.join(dir, 'X.csv');
    writeFileSync(
      x,
      ',designation,description,productid,imageid\n' +
        '0,<p>Jeu &amp; jouet</p>,"Deux\nlignes",11,21\n' +
        '1,Stylo,,12,22\n' +
        '2,,,13,23\n',
    );
    writeFileSync(path.join(dir, 'image_21_product_11.jpg'), 'bytes');
    writeFileSync(path.join(dir, 'image_99_product_13.jpg'), 'another product');
    const chunks: ProductFileRow[][] = [];
    for await (const chunk of readProductFile(x, { imageDir: dir, chunkRows: 2 })) chunks.push(chunk);
    expect(chunks.map((c) => c.length)).toEqual([2, 1]);
    const rows = chunks.flat();
    expect(rows.map((r) => r.index)).toEqual(['0', '1', '2']);
    // Exactly training's cleaning: data clean writes joinProductText(designation, description).
    expect(rows[0]?.text).toBe(joinProductText('<p>Jeu &amp; jouet</p>', 'Deux\nlignes'));
    expect(rows[0]?.imagePath).toBe(path.join(dir, 'image_21_product_11.jpg'));
    expect(rows[1]?.imagePath).toBeNull();
    expect(rows[2]).toMatchObject({ text: '', imagePath: null, line: 5 });
    expect(await countCsvRecords(x)).toBe(3);
  });

  it('names the missing column of a file that is not in the X format', async () => {
    const x = path.join(tempDir(), 'X.csv');
    writeFileSync(x, ',title,productid,imageid\n0,Stylo,1,2\n');
    const read = async () => {
      for await (const _chunk of readProductFile(x, { chunkRows: 10 })) {
        // reading only
      }
    };
    await expect(read()).rejects.toMatchObject({ code: 'DATA_CSV_COLUMN_MISSING', message: expect.stringContaining('"designation"') });
  });
});

describe('readLabelFile', () => {
  it('keys labels by the index column', async () => {
    const y = path.join(tempDir(), 'Y.csv');
    writeFileSync(y, ',prdtypecode\n5,2705\n3,10\n');
    expect([...(await readLabelFile(y))]).toEqual([
      ['5', { code: 2705, line: 2 }],
      ['3', { code: 10, line: 3 }],
    ]);
  });

  it('refuses a code outside the 27 categories and an index given twice, naming the line', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'bad.csv'), ',prdtypecode\n0,2705\n1,1234\n');
    writeFileSync(path.join(dir, 'twice.csv'), ',prdtypecode\n0,2705\n0,10\n');
    await expect(readLabelFile(path.join(dir, 'bad.csv'))).rejects.toMatchObject({ code: 'DATA_LABEL_UNKNOWN', message: expect.stringContaining('bad.csv line 3') });
    await expect(readLabelFile(path.join(dir, 'twice.csv'))).rejects.toMatchObject({
      code: 'EVALUATE_LABELS_MISMATCH',
      message: expect.stringContaining('lines 2 and 3'),
    });
  });
});
