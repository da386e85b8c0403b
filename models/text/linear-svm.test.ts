import { describe, expect, it } from 'vitest';
import type { CsrMatrix } from './csr-tfidf.js';
import { LinearSvm } from './linear-svm.js';

/** Three classes, each owning two features; every row also carries a shared noise feature. */
function toyData(): { x: CsrMatrix; labels: Int32Array } {
  const indices: number[] = [];
  const values: number[] = [];
  const indptr = [0];
  const labels: number[] = [];
  for (let i = 0; i < 30; i++) {
    const label = i % 3;
    indices.push(label * 2 + (i % 2), 6);
    values.push(0.9, 0.3);
    indptr.push(indices.length);
    labels.push(label);
  }
  return {
    x: {
      rows: 30,
      columns: 7,
      indptr: Int32Array.from(indptr),
      indices: Int32Array.from(indices),
      values: Float32Array.from(values),
    },
    labels: Int32Array.from(labels),
  };
}

const OPTIONS = { c: 1, tolerance: 1e-4, maxIterations: 200, seed: 3 };

function argmaxOfRows(svm: LinearSvm, x: CsrMatrix): number[] {
  return Array.from({ length: x.rows }, (_, i) => {
    const m = svm.margins(
      x.indices.subarray(x.indptr[i], x.indptr[i + 1]),
      x.values.subarray(x.indptr[i], x.indptr[i + 1]),
    );
    return m.indexOf(Math.max(...m));
  });
}

describe('LinearSvm', () => {
  it('separates linearly separable classes', () => {
    const { x, labels } = toyData();
    const svm = LinearSvm.fit(x, labels, 3, OPTIONS);
    expect(argmaxOfRows(svm, x)).toEqual(Array.from(labels));
  });

  it('puts a positive margin >= about 1 on its own class at convergence (squared hinge, large C)', () => {
    const { x, labels } = toyData();
    const svm = LinearSvm.fit(x, labels, 3, { ...OPTIONS, c: 100 });
    const m = svm.margins(x.indices.subarray(0, 2), x.values.subarray(0, 2));
    expect(m[0]).toBeGreaterThan(0.95);
    expect(m[1]).toBeLessThan(-0.95);
  });

  it('shrinks the weights as C falls', () => {
    const { x, labels } = toyData();
    const norm = (svm: LinearSvm) => Math.hypot(...svm.weights);
    expect(norm(LinearSvm.fit(x, labels, 3, { ...OPTIONS, c: 0.01 }))).toBeLessThan(
      norm(LinearSvm.fit(x, labels, 3, OPTIONS)),
    );
  });

  it('gives the same weights for the same seed', () => {
    const { x, labels } = toyData();
    expect(LinearSvm.fit(x, labels, 3, OPTIONS).weights).toEqual(
      LinearSvm.fit(x, labels, 3, OPTIONS).weights,
    );
  });
});
