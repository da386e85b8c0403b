import { z } from 'zod';

/**
 * TF-IDF into compressed sparse rows, built like scikit-learn's TfidfVectorizer (issue 10): the
 * `word` analyzer (token pattern \b\w\w+\b, n-grams joined by a space) and the `char_wb` analyzer
 * (each whitespace-separated word padded with one space, n-grams inside it); sublinear tf
 * (1 + ln tf), smooth idf (ln((1 + n) / (1 + df)) + 1), each block l2-normalised and blocks put side
 * by side unscaled, as FeatureUnion does. No vocabulary cap by default: at 84k products the old
 * 200k/300k caps cut most of the char n-grams that tell classes apart.
 */

export interface AnalyzerOptions {
  analyzer: 'word' | 'char_wb';
  /** Smallest and largest n. */
  ngramRange: readonly [number, number];
  /** Fold accents (é -> e) after lowercasing; sellers write both. */
  shouldStripAccents: boolean;
}

export interface FitBlockOptions extends AnalyzerOptions {
  /** Terms seen in fewer training documents are dropped. */
  minDocumentFrequency: number;
}

/** Rows of a sparse matrix: row r holds columns indices[indptr[r]..indptr[r+1]). */
export interface CsrMatrix {
  rows: number;
  columns: number;
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
}

const blockSchema = z.object({
  analyzer: z.enum(['word', 'char_wb']),
  ngramRange: z.tuple([z.number().int().positive(), z.number().int().positive()]),
  shouldStripAccents: z.boolean(),
  terms: z.array(z.string()),
  idf: z.array(z.number()),
});
const vectorizerSchema = z.object({
  kind: z.literal('csr-tfidf'),
  version: z.literal(1),
  blocks: z.array(blockSchema),
});
export type CsrTfidfJson = z.infer<typeof vectorizerSchema>;

interface SparseRow {
  indices: Int32Array;
  values: Float32Array;
}
const EMPTY_ROW: SparseRow = { indices: new Int32Array(0), values: new Float32Array(0) };

const WORD_TOKEN = /[\p{L}\p{N}_]{2,}/gu;

function normalise(text: string, shouldStripAccents: boolean): string {
  const lower = text.toLowerCase();
  return shouldStripAccents ? lower.normalize('NFD').replace(/\p{M}+/gu, '') : lower;
}

/** The terms of one text under one analyzer, repeats included (term frequency counts them). */
export function analyze(text: string, options: AnalyzerOptions): string[] {
  const clean = normalise(text, options.shouldStripAccents);
  const [min, max] = options.ngramRange;
  const out: string[] = [];
  if (options.analyzer === 'word') {
    const tokens = clean.match(WORD_TOKEN) ?? [];
    for (let n = min; n <= max; n++) {
      for (let i = 0; i + n <= tokens.length; i++)
        out.push(n === 1 ? (tokens[i] ?? '') : tokens.slice(i, i + n).join(' '));
    }
    return out;
  }
  for (const word of clean.split(/\s+/u)) {
    if (word.length === 0) continue;
    const padded = ` ${word} `;
    for (let n = min; n <= max; n++) {
      // scikit-learn's _char_wb_ngrams: a padded word shorter than n still yields itself once.
      let offset = 0;
      out.push(padded.slice(offset, offset + n));
      while (offset + n < padded.length) {
        offset++;
        out.push(padded.slice(offset, offset + n));
      }
    }
  }
  return out;
}

class TfidfBlock {
  readonly index: Map<string, number>;
  constructor(
    readonly options: AnalyzerOptions,
    readonly terms: readonly string[],
    readonly idf: Float32Array,
  ) {
    this.index = new Map(terms.map((t, i) => [t, i]));
  }

  /** Sorted columns and l2-normalised sublinear tf-idf values of one text. */
  row(text: string): SparseRow {
    const counts = new Map<number, number>();
    for (const term of analyze(text, this.options)) {
      const column = this.index.get(term);
      if (column !== undefined) counts.set(column, (counts.get(column) ?? 0) + 1);
    }
    const columns = Int32Array.from(counts.keys()).sort();
    return this.weigh(columns, (column) => counts.get(column) ?? 1);
  }

  /** Sorted columns and their term counts -> l2-normalised sublinear tf-idf values. */
  private weigh(columns: Int32Array, countOf: (column: number) => number): SparseRow {
    const values = new Float32Array(columns.length);
    let norm = 0;
    for (let k = 0; k < columns.length; k++) {
      const column = columns[k] ?? 0;
      const v = (1 + Math.log(countOf(column))) * (this.idf[column] ?? 0);
      values[k] = v;
      norm += v * v;
    }
    if (norm > 0) {
      const scale = 1 / Math.sqrt(norm);
      for (let k = 0; k < values.length; k++) values[k] = (values[k] ?? 0) * scale;
    }
    return { indices: columns, values };
  }

  /**
   * Fits the block and returns the training rows too, analysing each text once: the n-gram
   * strings are most of the cost at 84k products, so counts go through flat arrays, not a Map per
   * text, and columns keep first-seen order (deterministic for the same texts; no 1M-term sort).
   */
  static fitRows(texts: readonly string[], options: FitBlockOptions): { block: TfidfBlock; rows: SparseRow[] } {
    const firstSeen = new Map<string, number>();
    const terms: string[] = [];
    const documentFrequency: number[] = [];
    const countOfId: number[] = [];
    const counted: { ids: Int32Array; counts: Float32Array }[] = [];
    const touched: number[] = [];
    for (const text of texts) {
      for (const term of analyze(text, options)) {
        let id = firstSeen.get(term);
        if (id === undefined) {
          id = terms.length;
          firstSeen.set(term, id);
          terms.push(term);
          documentFrequency.push(0);
          countOfId.push(0);
        }
        if (countOfId[id] === 0) touched.push(id);
        countOfId[id] = (countOfId[id] ?? 0) + 1;
      }
      const ids = Int32Array.from(touched);
      const counts = new Float32Array(ids.length);
      for (let k = 0; k < ids.length; k++) {
        const id = ids[k] ?? 0;
        counts[k] = countOfId[id] ?? 1;
        countOfId[id] = 0;
        documentFrequency[id] = (documentFrequency[id] ?? 0) + 1;
      }
      touched.length = 0;
      counted.push({ ids, counts });
    }
    firstSeen.clear();
    const columnOf = new Int32Array(terms.length).fill(-1);
    const keptTerms: string[] = [];
    const keptFrequency: number[] = [];
    for (let id = 0; id < terms.length; id++) {
      const df = documentFrequency[id] ?? 0;
      if (df < options.minDocumentFrequency) continue;
      columnOf[id] = keptTerms.length;
      keptTerms.push(terms[id] ?? '');
      keptFrequency.push(df);
    }
    const n = texts.length;
    const idf = Float32Array.from(keptFrequency, (df) => Math.log((1 + n) / (1 + df)) + 1);
    const { analyzer, ngramRange, shouldStripAccents } = options;
    const block = new TfidfBlock({ analyzer, ngramRange, shouldStripAccents }, keptTerms, idf);
    const countOfColumn = new Float32Array(keptTerms.length);
    const rows = counted.map(({ ids, counts }) => {
      const columns: number[] = [];
      for (let k = 0; k < ids.length; k++) {
        const column = columnOf[ids[k] ?? 0] ?? -1;
        if (column < 0) continue;
        columns.push(column);
        countOfColumn[column] = counts[k] ?? 1;
      }
      return block.weigh(Int32Array.from(columns).sort(), (column) => countOfColumn[column] ?? 1);
    });
    return { block, rows };
  }
}

/** Several TF-IDF blocks side by side; fit on training texts only. */
export class CsrTfidf {
  private readonly offsets: number[];
  readonly dimension: number;

  private constructor(private readonly blocks: readonly TfidfBlock[]) {
    this.offsets = [];
    let offset = 0;
    for (const block of blocks) {
      this.offsets.push(offset);
      offset += block.terms.length;
    }
    this.dimension = offset;
  }

  /** Fits on training texts and returns their rows (each text analysed once per block). */
  static fitTransform(
    texts: readonly string[],
    blocks: readonly FitBlockOptions[],
  ): { vectorizer: CsrTfidf; x: CsrMatrix } {
    const fitted = blocks.map((options) => TfidfBlock.fitRows(texts, options));
    const vectorizer = new CsrTfidf(fitted.map((f) => f.block));
    return { vectorizer, x: vectorizer.stack(texts.length, (r, b) => fitted[b]?.rows[r] ?? EMPTY_ROW) };
  }

  static fromJson(json: unknown): CsrTfidf {
    const parsed = vectorizerSchema.parse(json);
    return new CsrTfidf(
      parsed.blocks.map(
        (b) =>
          new TfidfBlock(
            { analyzer: b.analyzer, ngramRange: b.ngramRange, shouldStripAccents: b.shouldStripAccents },
            b.terms,
            Float32Array.from(b.idf),
          ),
      ),
    );
  }

  toJson(): CsrTfidfJson {
    return {
      kind: 'csr-tfidf',
      version: 1,
      blocks: this.blocks.map((b) => ({
        analyzer: b.options.analyzer,
        ngramRange: [b.options.ngramRange[0], b.options.ngramRange[1]],
        shouldStripAccents: b.options.shouldStripAccents,
        terms: [...b.terms],
        idf: Array.from(b.idf),
      })),
    };
  }

  /** One sparse row per text. */
  transform(texts: readonly string[]): CsrMatrix {
    return this.stack(texts.length, (r, b) => this.blocks[b]?.row(texts[r] ?? '') ?? EMPTY_ROW);
  }

  /** Puts each row's blocks side by side, column offsets added, into one CSR matrix. */
  private stack(rows: number, rowOf: (row: number, block: number) => SparseRow): CsrMatrix {
    const indptr = new Int32Array(rows + 1);
    const parts: SparseRow[] = [];
    let nnz = 0;
    for (let r = 0; r < rows; r++) {
      for (let b = 0; b < this.blocks.length; b++) {
        const part = rowOf(r, b);
        const offset = this.offsets[b] ?? 0;
        for (let k = 0; k < part.indices.length; k++) part.indices[k] = (part.indices[k] ?? 0) + offset;
        parts.push(part);
        nnz += part.indices.length;
      }
      indptr[r + 1] = nnz;
    }
    const indices = new Int32Array(nnz);
    const values = new Float32Array(nnz);
    let at = 0;
    for (const part of parts) {
      indices.set(part.indices, at);
      values.set(part.values, at);
      at += part.indices.length;
    }
    return { rows, columns: this.dimension, indptr, indices, values };
  }
}
