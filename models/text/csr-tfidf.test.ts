import { describe, expect, it } from 'vitest';
import { analyze, CsrTfidf } from './csr-tfidf.js';

describe('analyze', () => {
  it("reads words of two or more letters or digits, as scikit-learn's token pattern", () => {
    expect(
      analyze('Cadre 30x40cm à 2 €', { analyzer: 'word', ngramRange: [1, 1], shouldStripAccents: false }),
    ).toEqual(['cadre', '30x40cm']);
  });

  it('joins word bigrams with a space after the unigrams', () => {
    expect(
      analyze('Livre neuf poche', { analyzer: 'word', ngramRange: [1, 2], shouldStripAccents: false }),
    ).toEqual(['livre', 'neuf', 'poche', 'livre neuf', 'neuf poche']);
  });

  it('pads each word with a space for char_wb n-grams, and a short word yields itself once', () => {
    expect(analyze('Ab c', { analyzer: 'char_wb', ngramRange: [3, 4], shouldStripAccents: false })).toEqual([
      ' ab',
      'ab ',
      ' ab ',
      ' c ',
      ' c ',
    ]);
  });

  it('folds accents only when asked', () => {
    const options = { analyzer: 'word', ngramRange: [1, 1] } as const;
    expect(analyze('Électrique', { ...options, shouldStripAccents: true })).toEqual(['electrique']);
    expect(analyze('Électrique', { ...options, shouldStripAccents: false })).toEqual(['électrique']);
  });
});

describe('CsrTfidf', () => {
  const texts = ['livre neuf', 'livre ancien', 'jouet neuf neuf'];
  const blocks = [
    { analyzer: 'word', ngramRange: [1, 1], shouldStripAccents: false, minDocumentFrequency: 1 },
    { analyzer: 'char_wb', ngramRange: [2, 3], shouldStripAccents: false, minDocumentFrequency: 2 },
  ] as const;

  it('gives each block unit norm, blocks side by side (row norm sqrt 2)', () => {
    const x = CsrTfidf.fitTransform(texts, [...blocks]).x;
    for (let r = 0; r < x.rows; r++) {
      let sum = 0;
      for (let k = x.indptr[r] ?? 0; k < (x.indptr[r + 1] ?? 0); k++) sum += (x.values[k] ?? 0) ** 2;
      expect(sum).toBeCloseTo(2, 5);
    }
  });

  it('weights a repeated rare word by sublinear tf and smooth idf, as scikit-learn', () => {
    const vectorizer = CsrTfidf.fitTransform(texts, [blocks[0]]).vectorizer;
    const x = vectorizer.transform(['jouet neuf neuf']);
    // jouet: df 1 -> idf ln(4/2)+1, tf 1; neuf: df 2 -> idf ln(4/3)+1, tf 2 -> 1+ln 2.
    const jouet = Math.log(2) + 1;
    const neuf = (1 + Math.log(2)) * (Math.log(4 / 3) + 1);
    const norm = Math.hypot(jouet, neuf);
    expect([...x.values].sort()).toEqual([neuf / norm, jouet / norm].map((v) => Math.fround(v)).sort());
  });

  it('drops terms below the minimum document frequency and ignores unseen ones', () => {
    const vectorizer = CsrTfidf.fitTransform(texts, [{ ...blocks[0], minDocumentFrequency: 2 }]).vectorizer;
    expect(vectorizer.dimension).toBe(2);
    expect(vectorizer.transform(['jouet inconnu']).indices.length).toBe(0);
  });

  it('gives the training rows it fit on as transform would', () => {
    const { vectorizer, x } = CsrTfidf.fitTransform(texts, [...blocks]);
    expect(x).toEqual(vectorizer.transform(texts));
  });

  it('round-trips through JSON to the same rows', () => {
    const vectorizer = CsrTfidf.fitTransform(texts, [...blocks]).vectorizer;
    const again = CsrTfidf.fromJson(JSON.parse(JSON.stringify(vectorizer.toJson())));
    expect(again.transform(texts)).toEqual(vectorizer.transform(texts));
  });
});
