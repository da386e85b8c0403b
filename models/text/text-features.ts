import { splitWords } from './tokenizer.js';

/** Which n-grams a text model reads. */
export interface NgramOptions {
  /** Word n-grams from 1 up to this (2 = unigrams and bigrams). */
  wordNgrams: number;
  /** Character n-gram lengths inside words (with boundary marks), e.g. [3, 5]; empty for none. */
  charNgrams: [number, number] | [];
}

/**
 * The string features of a text: word n-grams ("w:livre", "w:livre_neuf") and character n-grams
 * of each word with boundary marks ("c:<li", "c:vre>"), which let a model read misspellings,
 * plurals and compound product codes that a word vocabulary misses.
 */
export function textNgrams(text: string, options: NgramOptions): string[] {
  const words = splitWords(text);
  const out: string[] = [];
  for (let n = 1; n <= options.wordNgrams; n++) {
    for (let i = 0; i + n <= words.length; i++) out.push(`w:${words.slice(i, i + n).join('_')}`);
  }
  if (options.charNgrams.length === 2) {
    const [min, max] = options.charNgrams;
    for (const word of words) {
      const marked = `<${word}>`;
      for (let n = min; n <= max; n++) {
        for (let i = 0; i + n <= marked.length; i++) out.push(`c:${marked.slice(i, i + n)}`);
      }
    }
  }
  return out;
}

/** A sparse feature vector: parallel arrays of column indices and values. */
export interface SparseVector {
  indices: Int32Array;
  values: Float32Array;
}

/** 32-bit FNV-1a, for hashing n-grams into buckets without a vocabulary. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
