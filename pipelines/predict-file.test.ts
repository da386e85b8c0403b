import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError, silentLogger } from '../core/index.js';
import type { Classifier, Modality } from '../models/classifiers/classifier.js';
import { loadModelSet } from '../serve/index.js';
import { predictFile, type RowIssue } from './predict-file.js';

/**
 * A second real classifier (not a mock of ours): the text model answers 2705 (Livres neufs), the
 * image model 1280 (Jouets enfant); a photo file holding "broken" fails to decode, as loadPixels would.
 */
function fixedClassifier(modalities: readonly Modality[], best: number): Classifier {
  const labels = [10, 1280, 2705];
  return {
    kind: modalities.includes('image') ? 'cnn' : 'tfidf',
    modalities,
    labels,
    predictProba: async (products) =>
      products.map((p) => {
        if (typeof p.image === 'string' && existsSync(p.image) && readFileSync(p.image, 'utf8') === 'broken') {
          throw new InputError('IMAGE_UNREADABLE', `${path.basename(p.image)} is not a readable image.`);
        }
        return Float32Array.from(labels, (code) => (code === best ? 0.8 : 0.1));
      }),
    dispose: () => undefined,
  };
}

async function modelsFor(refs: { model: string; imageModel?: string }) {
  return loadModelSet({
    refs,
    resolve: async (ref) => ({ bundleDir: ref, version: '1', name: ref }),
    load: async (dir) => (dir === 'cnn' ? fixedClassifier(['image'], 1280) : fixedClassifier(['text'], 2705)),
    log: silentLogger(),
  });
}

function workDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rakuten-predict-'));
  writeFileSync(
    path.join(dir, 'X.csv'),
    [
      ',designation,description,productid,imageid',
      '10,<b>Le Petit Prince</b>,Un &eacute;dition de poche,101,201',
      '11,,,102,202',
      '12,"Peluche, ours",,103,203',
      '13,,,104,204',
      '14,,,105,205',
    ].join('\n'),
  );
  // Row 11 has neither text nor photo; row 12's photo is broken; 13 has a photo only; 14 a broken one only.
  writeFileSync(path.join(dir, 'image_203_product_103.jpg'), 'broken');
  writeFileSync(path.join(dir, 'image_204_product_104.jpg'), 'jpeg bytes');
  writeFileSync(path.join(dir, 'image_205_product_105.jpg'), 'broken');
  return dir;
}

describe('predictFile', () => {
  it('writes a submission row per input row, in order, with an explicit empty prediction for a row it cannot score', async () => {
    const dir = workDir();
    const issues: RowIssue[] = [];
    const out = path.join(dir, 'preds.csv');
    const result = await predictFile(
      { xCsv: path.join(dir, 'X.csv'), output: { path: out }, format: 'submission', k: 3, chunkRows: 2 },
      { models: await modelsFor({ model: 'tfidf' }), onRowIssue: (issue) => issues.push(issue) },
    );
    expect(readFileSync(out, 'utf8')).toBe(',prdtypecode\n10,2705\n11,\n12,2705\n13,\n14,\n');
    expect(result).toMatchObject({ rows: 5, scored: 2, unscored: 3, byModality: { text: 2, image: 0, both: 0 } });
    expect(issues).toEqual([
      { index: '11', line: 3, reason: 'no text and no image', isScored: false },
      { index: '13', line: 5, reason: 'no text and no image', isScored: false },
      { index: '14', line: 6, reason: 'no text and no image', isScored: false },
    ]);
    // Nothing but the result is left in the folder: the temp file was renamed.
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('sends each product to the model that reads what it has (text to the text model, a photo alone to the image model)', async () => {
    const dir = workDir();
    const models = await modelsFor({ model: 'tfidf', imageModel: 'cnn' });
    const issues: RowIssue[] = [];
    const out = path.join(dir, 'preds.jsonl');
    const result = await predictFile(
      { xCsv: path.join(dir, 'X.csv'), imageDir: dir, output: { path: out }, format: 'jsonl', k: 2 },
      { models, onRowIssue: (issue) => issues.push(issue) },
    );
    const rows = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { index: string; prdtypecode: number | null; modality: string | null; predictions: unknown[] });
    expect(rows.map((r) => [r.index, r.prdtypecode, r.modality])).toEqual([
      ['10', 2705, 'text'],
      ['11', null, null],
      ['12', 2705, 'text'],
      ['13', 1280, 'image'],
      ['14', null, null],
    ]);
    expect(rows[0]?.predictions).toEqual([
      { prdtypecode: 2705, name: 'Livres neufs', probability: 0.8 },
      { prdtypecode: 10, name: 'Livres occasion', probability: 0.1 },
    ]);
    expect(result.models.map((m) => [m.name, m.rows])).toEqual([
      ['tfidf', 2],
      ['cnn', 1],
    ]);
    // Row 12 (text and a broken photo) goes to the text model, as serve would send it: no decoding.
    expect(result).toMatchObject({ scored: 3, unscored: 2, imageUnreadable: 0, byModality: { text: 2, image: 1, both: 0 } });
    expect(issues.map((i) => [i.index, i.isScored, i.reason.slice(0, 28)])).toEqual([
      ['11', false, 'no text and no image'],
      ['14', false, 'image unreadable: image_205_'],
    ]);
  });

  it('reports a photo that cannot be decoded with its index, and leaves that row empty', async () => {
    const dir = workDir();
    writeFileSync(path.join(dir, 'X.csv'), ',designation,description,productid,imageid\n7,,,9,8\n');
    writeFileSync(path.join(dir, 'image_8_product_9.jpg'), 'x');
    const models = await loadModelSet({
      refs: { model: 'cnn' },
      resolve: async (ref) => ({ bundleDir: ref, version: '1' }),
      // This image model cannot decode anything: every photo is "broken".
      load: async () => ({ ...fixedClassifier(['image'], 1280), predictProba: async () => Promise.reject(new InputError('IMAGE_UNREADABLE', 'truncated jpeg')) }),
      log: silentLogger(),
    });
    const issues: RowIssue[] = [];
    const out = path.join(dir, 'topk.csv');
    const result = await predictFile(
      { xCsv: path.join(dir, 'X.csv'), imageDir: dir, output: { path: out }, format: 'topk', k: 2 },
      { models, onRowIssue: (issue) => issues.push(issue) },
    );
    expect(result.unscored).toBe(1);
    expect(issues).toEqual([{ index: '7', line: 2, reason: 'image unreadable: truncated jpeg', isScored: false }]);
    expect(readFileSync(out, 'utf8')).toBe(
      ',prdtypecode,modality,code_1,name_1,probability_1,code_2,name_2,probability_2,error\n7,,,,,,,,,image unreadable: truncated jpeg\n',
    );
  });

  it('quotes names and indexes that hold commas in topk', async () => {
    const dir = workDir();
    const out = path.join(dir, 'topk.csv');
    await predictFile(
      { xCsv: path.join(dir, 'X.csv'), output: { path: out }, format: 'topk', k: 1 },
      { models: await modelsFor({ model: 'tfidf' }) },
    );
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe(',prdtypecode,modality,code_1,name_1,probability_1,error');
    expect(lines[1]).toBe('10,2705,text,2705,Livres neufs,0.800000,');
    expect(lines[2]).toBe('11,,,,,,no text and no image');
  });

  it('leaves an existing --out untouched, and no temp file, when the input breaks half-way', async () => {
    const dir = workDir();
    const out = path.join(dir, 'preds.csv');
    writeFileSync(out, 'previous run\n');
    writeFileSync(path.join(dir, 'X.csv'), ',designation,description,productid,imageid\n1,Livre,,2,3\n2,"unclosed,,4,5\n');
    await expect(
      predictFile(
        { xCsv: path.join(dir, 'X.csv'), output: { path: out }, format: 'submission', k: 1, chunkRows: 1 },
        { models: await modelsFor({ model: 'tfidf' }) },
      ),
    ).rejects.toMatchObject({ code: 'DATA_CSV_MALFORMED' });
    expect(readFileSync(out, 'utf8')).toBe('previous run\n');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
