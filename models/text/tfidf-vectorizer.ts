import { z } from 'zod';
import { type NgramOptions, type SparseVector, textNgrams } from './text-features.js';

const vectorizerSchema = z.object({
  kind: z.literal('tfidf'),
  version: z.literal(1),
  options: z.object({ wordNgrams: z.number().int().nonnegative(), charNgrams: z.union([z.tuple([]), z.tuple([z.number(), z.number()])]) }),
  terms: z.array(z.string()),
  idf: z.array(z.number()),
});

export interface FitTfidfOptions extends NgramOptions {
  maxFeatures: number;
  /** Terms seen in fewer documents are dropped. */
  minDocumentFrequency: number;
}

/**
 * TF-IDF over word and character n-grams, as scikit-learn's TfidfVectorizer with sublinear_tf,
 * smooth idf and l2 normalisation. Fit on training texts only.
 */
export class TfidfVectorizer {
  private readonly index: Map<string, number>;

  private constructor(
    readonly options: NgramOptions,
    readonly terms: readonly string[],
    readonly idf: Float32Array,
  ) {
    this.index = new Map(terms.map((t, i) => [t, i]));
  }

  static fit(texts: readonly string[], options: FitTfidfOptions): TfidfVectorizer {
    const documentFrequency = new Map<string, number>();
    for (const text of texts) {
      for (const term of new Set(textNgrams(text, options))) {
        documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
      }
    }
    const kept = [...documentFrequency]
      .filter(([, df]) => df >= options.minDocumentFrequency)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, options.maxFeatures);
    const n = texts.length;
    const idf = Float32Array.from(kept, ([, df]) => Math.log((1 + n) / (1 + df)) + 1);
    const ngrams: NgramOptions = { wordNgrams: options.wordNgrams, charNgrams: options.charNgrams };
    return new TfidfVectorizer(ngrams, kept.map(([term]) => term), idf);
  }

  static fromJson(json: unknown): TfidfVectorizer {
    const parsed = vectorizerSchema.parse(json);
    return new TfidfVectorizer(parsed.options, parsed.terms, Float32Array.from(parsed.idf));
  }

  toJson(): z.infer<typeof vectorizerSchema> {
    return { kind: 'tfidf', version: 1, options: this.options, terms: [...this.terms], idf: Array.from(this.idf) };
  }

  get dimension(): number {
    return this.terms.length;
  }

  transform(text: string): SparseVector {
    const counts = new Map<number, number>();
    for (const term of textNgrams(text, this.options)) {
      const column = this.index.get(term);
      if (column !== undefined) counts.set(column, (counts.get(column) ?? 0) + 1);
    }
    const indices = Int32Array.from(counts.keys()).sort();
    const values = new Float32Array(indices.length);
    let norm = 0;
    indices.forEach((column, i) => {
      const v = (1 + Math.log(counts.get(column) ?? 1)) * (this.idf[column] ?? 0);
      values[i] = v;
      norm += v * v;
    });
    if (norm > 0) {
      const scale = 1 / Math.sqrt(norm);
      for (let i = 0; i < values.length; i++) values[i] = (values[i] ?? 0) * scale;
    }
    return { indices, values };
  }
}

/**
 * Several TF-IDF blocks side by side (scikit-learn's FeatureUnion): each block l2-normalised and
 * scaled by 1/sqrt(blocks), so the whole vector has unit norm and no block drowns the others.
 */
export class StackedTfidf {
  private readonly offsets: number[];
  readonly dimension: number;

  constructor(readonly blocks: readonly TfidfVectorizer[]) {
    this.offsets = [];
    let offset = 0;
    for (const block of blocks) {
      this.offsets.push(offset);
      offset += block.dimension;
    }
    this.dimension = offset;
  }

  static fromJson(json: unknown): StackedTfidf {
    const blocks = z.object({ kind: z.literal('stacked-tfidf'), blocks: z.array(z.unknown()) }).parse(json).blocks;
    return new StackedTfidf(blocks.map((b) => TfidfVectorizer.fromJson(b)));
  }

  toJson(): { kind: 'stacked-tfidf'; blocks: ReturnType<TfidfVectorizer['toJson']>[] } {
    return { kind: 'stacked-tfidf', blocks: this.blocks.map((b) => b.toJson()) };
  }

  transform(text: string): SparseVector {
    const parts = this.blocks.map((b) => b.transform(text));
    const length = parts.reduce((n, p) => n + p.indices.length, 0);
    const indices = new Int32Array(length);
    const values = new Float32Array(length);
    const scale = 1 / Math.sqrt(this.blocks.length);
    let at = 0;
    parts.forEach((part, b) => {
      const offset = this.offsets[b] ?? 0;
      for (let i = 0; i < part.indices.length; i++, at++) {
        indices[at] = (part.indices[i] ?? 0) + offset;
        values[at] = (part.values[i] ?? 0) * scale;
      }
    });
    return { indices, values };
  }
}
