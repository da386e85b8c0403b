import { seededRandom } from './text/seeded-random.js';

/**
 * Runs `fn` with Math.random replaced by a seeded generator. tfjs draws every unseeded random
 * tensor (dropout masks, initialisers without a seed) from a seed taken from Math.random, so this
 * makes a training run repeat exactly: same seed, same data, same metrics.
 */
export async function withSeededMathRandom<T>(seed: number, fn: () => Promise<T>): Promise<T> {
  const original = Math.random;
  Math.random = seededRandom(seed);
  try {
    return await fn();
  } finally {
    Math.random = original;
  }
}
