import { describe, expect, it } from 'vitest';
import { InputError } from '../core/index.js';
import type { Classifier, Modality, ProductInput } from './classifiers/classifier.js';
import { scoreProducts } from './score-products.js';

/**
 * A second real classifier (not a mock of ours): class 0 for text, class 1 for an image, class 2
 * for both; a photo whose path contains "broken" fails to decode, as loadPixels would.
 */
function fixedClassifier(modalities: readonly Modality[]): Classifier & { calls: ProductInput[][] } {
  const calls: ProductInput[][] = [];
  return {
    kind: 'fusion',
    modalities,
    labels: [10, 40, 50],
    calls,
    predictProba: async (products) => {
      calls.push([...products]);
      for (const p of products) {
        if (typeof p.image === 'string' && p.image.includes('broken')) {
          throw new InputError('IMAGE_UNREADABLE', `${p.image} is not a readable JPEG, PNG or WebP image.`);
        }
      }
      return products.map((p) => {
        const out = new Float32Array(3);
        out[p.text && p.image ? 2 : p.image ? 1 : 0] = 1;
        return out;
      });
    },
    dispose: () => undefined,
  };
}

describe('scoreProducts', () => {
  it('reads of each product what it has and the model reads', async () => {
    const model = fixedClassifier(['text', 'image']);
    const scores = await scoreProducts(model, [
      { text: 'stylo', image: null },
      { text: null, image: 'a.jpg' },
      { text: 'stylo', image: 'a.jpg' },
    ]);
    expect(scores.map((s) => (s.isScored ? s.read : s.reason))).toEqual([['text'], ['image'], ['text', 'image']]);
    expect(scores.map((s) => (s.isScored ? s.probabilities.indexOf(1) : -1))).toEqual([0, 1, 2]);
    expect(model.calls).toHaveLength(1);
  });

  it('gives a reason instead of a score when there is nothing the model reads', async () => {
    const scores = await scoreProducts(fixedClassifier(['image']), [
      { text: '', image: null },
      { text: 'stylo', image: null },
    ]);
    expect(scores).toEqual([
      { isScored: false, reason: 'no text and no image' },
      { isScored: false, reason: 'the model reads only image, and this product has none' },
    ]);
  });

  it('isolates a broken photo: text beside it is still scored, a photo alone is not, the rest of the batch is untouched', async () => {
    const model = fixedClassifier(['text', 'image']);
    const products = [
      ...Array.from({ length: 6 }, (_, i) => ({ text: `p${i}`, image: `ok-${i}.jpg` })),
      { text: 'stylo', image: 'broken-1.jpg' },
      { text: null, image: 'broken-2.jpg' },
    ];
    const scores = await scoreProducts(model, products);
    expect(scores.slice(0, 6).every((s) => s.isScored && s.read.length === 2 && s.imageError === undefined)).toBe(true);
    expect(scores[6]).toMatchObject({ isScored: true, read: ['text'], imageError: expect.stringContaining('broken-1.jpg') });
    expect(scores[7]).toEqual({ isScored: false, reason: expect.stringMatching(/^image unreadable: .*broken-2\.jpg/) });
    // Halving, not one call per product: far fewer calls than products on a larger batch.
    expect(model.calls.length).toBeLessThan(products.length + 2);
  });

  it('lets any other failure through', async () => {
    const model: Classifier = {
      ...fixedClassifier(['text']),
      predictProba: async () => {
        throw new Error('engine down');
      },
    };
    await expect(scoreProducts(model, [{ text: 'stylo', image: null }])).rejects.toThrow('engine down');
  });
});
