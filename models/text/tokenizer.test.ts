import { describe, expect, it } from 'vitest';
import { OOV_ID, PAD_ID, splitWords, WordTokenizer } from './tokenizer.js';

describe('word tokenizer', () => {
  it('splits on punctuation, lowercases and strips accents', () => {
    expect(splitWords("Piscine Tubulaire INTEX - 3,66m x 0,76m : l'été!")).toEqual([
      'piscine', 'tubulaire', 'intex', '3', '66m', 'x', '0', '76m', 'l', 'ete',
    ]);
  });

  it('keeps the most frequent words, deterministically, within the vocabulary size', () => {
    const tokenizer = WordTokenizer.fit(['b a a', 'c b a', 'd'], { vocabularySize: 4 });
    expect(tokenizer.words).toEqual(['a', 'b']);
    expect(tokenizer.vocabularySize).toBe(4);
  });

  it('pads at the front, truncates at the end and maps unknown words to OOV', () => {
    const tokenizer = WordTokenizer.fit(['jouet enfant', 'jouet'], { vocabularySize: 10 });
    const jouet = 2;
    const enfant = 3;
    expect([...tokenizer.encode('jouet inconnu', 4)]).toEqual([PAD_ID, PAD_ID, jouet, OOV_ID]);
    expect([...tokenizer.encode('enfant jouet enfant jouet enfant', 3)]).toEqual([enfant, jouet, enfant]);
    expect([...tokenizer.encode('', 2)]).toEqual([PAD_ID, PAD_ID]);
  });

  it('survives a JSON round trip with the same ids', () => {
    const tokenizer = WordTokenizer.fit(['lot de livres', 'livres neufs'], { vocabularySize: 100 });
    const copy = WordTokenizer.fromJson(JSON.parse(JSON.stringify(tokenizer.toJson())));
    expect([...copy.encode('livres neufs lot', 5)]).toEqual([...tokenizer.encode('livres neufs lot', 5)]);
  });

  it('reports the share of unknown words', () => {
    const tokenizer = WordTokenizer.fit(['a b'], { vocabularySize: 10 });
    expect(tokenizer.unknownShare('a z z z')).toBe(0.75);
    expect(tokenizer.unknownShare('')).toBe(0);
  });
});
