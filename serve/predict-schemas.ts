import { z } from 'zod';
import type { ServeConfig } from './config.js';

/** One product as sent; image is base64 (JSON) or a file part (multipart), checked in the handler. */
export function productInputSchema(config: ServeConfig) {
  return z.object({
    designation: z.string().max(config.maxTextChars).optional(),
    description: z.string().max(config.maxTextChars).optional(),
    image: z.unknown().optional().describe('JPEG/PNG/WebP/GIF: base64 in JSON, a file part in multipart'),
  });
}
export type ProductInputBody = z.infer<ReturnType<typeof productInputSchema>>;

export function batchSchema(config: ServeConfig) {
  return z.object({ products: z.array(productInputSchema(config)).min(1).max(config.maxBatchItems) });
}
export type BatchBody = z.infer<ReturnType<typeof batchSchema>>;

export const predictQuery = z.object({
  k: z.coerce.number().int().min(1).max(27).default(5),
  /** Return as many classes as needed for their probabilities to add up to this. */
  cumulative: z.coerce.number().gt(0).max(1).optional(),
});
export type PredictQuery = z.infer<typeof predictQuery>;

export const predictAnswerSchema = z.object({
  predictionId: z.number().int(),
  predictions: z.array(z.object({ prdtypecode: z.number().int(), name: z.string(), probability: z.number() })),
  model: z.object({ name: z.string(), version: z.string(), kind: z.string() }),
  modality: z.enum(['text', 'image', 'both']),
  latencyMs: z.number(),
});

/** The multipart settings (read by body-checks.ts): one image within the limit, text fields just over the character limit. */
export function multipartOptions(config: ServeConfig) {
  return {
    limits: {
      fileSize: config.maxImageBytes,
      files: 1,
      fields: 8,
      // Bytes, and UTF-8 takes up to 4 per character; a longer value is cut, and refused as too long.
      fieldSize: config.maxTextChars * 4 + 16,
      parts: 10,
    },
  };
}

/** JSON body limit for one product: a base64 image at the limit plus both texts. */
export function singleBodyLimit(config: ServeConfig): number {
  return Math.ceil((config.maxImageBytes * 4) / 3) + 2 * config.maxTextChars * 4 + 64 * 1024;
}
