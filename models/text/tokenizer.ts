import { z } from 'zod';

/** Index 0 pads sequences; index 1 stands for every word outside the vocabulary. */
export const PAD_ID = 0;
export const OOV_ID = 1;

const tokenizerSchema = z.object({
  kind: z.literal('word-tokenizer'),
  version: z.literal(1),
  /** Words by id, starting at id 2. */
  words: z.array(z.string()),
});

export type TokenizerJson = z.infer<typeof tokenizerSchema>;

/**
 * Lowercases, strips diacritics (sellers write "electrique" and "électrique" alike) and splits on
 * anything that is not a letter or a digit.
 */
export function splitWords(text: string): string[] {
  return text
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0);
}

export interface FitTokenizerOptions {
  /** Ids available, padding and OOV included (Keras' num_words). */
  vocabularySize: number;
  minCount?: number;
}

/** A word-level tokenizer with an OOV token, fit on training texts only. */
export class WordTokenizer {
  private readonly ids: Map<string, number>;
  readonly words: readonly string[];

  private constructor(words: readonly string[]) {
    this.words = words;
    this.ids = new Map(words.map((w, i) => [w, i + 2]));
  }

  /** Keeps the most frequent words (ties broken alphabetically, so a fit is deterministic). */
  static fit(texts: Iterable<string>, options: FitTokenizerOptions): WordTokenizer {
    const counts = new Map<string, number>();
    for (const text of texts) for (const word of splitWords(text)) counts.set(word, (counts.get(word) ?? 0) + 1);
    const minCount = options.minCount ?? 1;
    const words = [...counts]
      .filter(([, n]) => n >= minCount)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, Math.max(0, options.vocabularySize - 2))
      .map(([w]) => w);
    return new WordTokenizer(words);
  }

  static fromJson(json: unknown): WordTokenizer {
    return new WordTokenizer(tokenizerSchema.parse(json).words);
  }

  toJson(): TokenizerJson {
    return { kind: 'word-tokenizer', version: 1, words: [...this.words] };
  }

  get vocabularySize(): number {
    return this.words.length + 2;
  }

  /** Word ids of a text, OOV where unknown, no padding. */
  encodeWords(text: string): number[] {
    return splitWords(text).map((w) => this.ids.get(w) ?? OOV_ID);
  }

  /**
   * A fixed-length sequence: the first `length` words (the title comes first), padded at the
   * front so the last LSTM step always reads a real word.
   */
  encode(text: string, length: number, out: Int32Array = new Int32Array(length), offset = 0): Int32Array {
    const ids = this.encodeWords(text).slice(0, length);
    out.fill(PAD_ID, offset, offset + length - ids.length);
    out.set(ids, offset + length - ids.length);
    return out;
  }

  /** Share of a text's words that are outside the vocabulary (0 for an empty text). */
  unknownShare(text: string): number {
    const ids = this.encodeWords(text);
    return ids.length === 0 ? 0 : ids.filter((id) => id === OOV_ID).length / ids.length;
  }
}
