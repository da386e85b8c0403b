import { describe, expect, it } from 'vitest';
import { seededRandom } from '../text/seeded-random.js';
import { augmentBatchInPlace, flipHorizontal, shiftWithWhite } from './augment.js';

const SIZE = 6;

/** Three images whose every value is distinct, so any pixel move shows. */
function sampleBatch(count: number): Float32Array {
  return Float32Array.from({ length: count * SIZE * SIZE * 3 }, (_, i) => (i % 251) / 251);
}

function pixelAt(image: Float32Array, x: number, y: number): number[] {
  const at = (y * SIZE + x) * 3;
  return [image[at] ?? -1, image[at + 1] ?? -1, image[at + 2] ?? -1];
}

describe('image augmentation', () => {
  it('flips an image into its exact mirror, and flipping twice restores it', () => {
    const image = sampleBatch(1);
    const flipped = flipHorizontal(image, SIZE);
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) expect(pixelAt(flipped, x, y)).toEqual(pixelAt(image, SIZE - 1 - x, y));
    }
    expect(flipHorizontal(flipped, SIZE)).toEqual(image);
  });

  it('shifts an image on white padding', () => {
    const image = sampleBatch(1);
    const shifted = shiftWithWhite(image, SIZE, 0, 2, 1);
    expect(pixelAt(shifted, 0, 0)).toEqual([1, 1, 1]);
    expect(pixelAt(shifted, 1, 0)).toEqual(pixelAt(image, 0, 1));
    expect(shiftWithWhite(image, SIZE, 1, 1, 1)).toEqual(image);
  });

  it('is deterministic for a seed and changes with the seed', () => {
    const run = (seed: number) =>
      augmentBatchInPlace(sampleBatch(3), 3, SIZE, seededRandom(seed), {
        flipProbability: 0.5,
        padFraction: 0.2,
      });
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });

  it('keeps values in [0, 1] and only flips when asked to always flip without padding', () => {
    const batch = augmentBatchInPlace(sampleBatch(2), 2, SIZE, seededRandom(1), {
      flipProbability: 1,
      padFraction: 0,
    });
    const original = sampleBatch(2);
    const pixels = SIZE * SIZE * 3;
    expect(batch.subarray(0, pixels)).toEqual(flipHorizontal(original.subarray(0, pixels), SIZE));
    expect(Math.max(...batch)).toBeLessThanOrEqual(1);
    expect(Math.min(...batch)).toBeGreaterThanOrEqual(0);
  });
});
