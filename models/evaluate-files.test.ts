import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../core/index.js';
import { evaluateBundleOnFiles } from './evaluate-files.js';

describe('evaluateBundleOnFiles', () => {
  it('refuses a Y whose index does not match X, naming both sides, before any model loads', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rakuten-evaluate-files-'));
    writeFileSync(path.join(dir, 'X.csv'), ',designation,description,productid,imageid\n0,Stylo,,1,2\n1,Gomme,,3,4\n2,Livre,,5,6\n');
    writeFileSync(path.join(dir, 'Y.csv'), ',prdtypecode\n0,2522\n2,2705\n9,10\n');
    const evaluate = evaluateBundleOnFiles(
      {
        // No bundle here: the mismatch must be found first.
        bundleDir: path.join(dir, 'no-bundle'),
        xCsv: path.join(dir, 'X.csv'),
        yCsv: path.join(dir, 'Y.csv'),
        reportsDir: path.join(dir, 'reports'),
      },
      { log: silentLogger() },
    );
    await expect(evaluate).rejects.toMatchObject({
      code: 'EVALUATE_LABELS_MISMATCH',
      message: 'X.csv has 3 rows and Y.csv 3; their index columns differ; 1 products have no label (first: 1 (line 3)); 1 labels have no product (first: 9).',
    });
  });
});
