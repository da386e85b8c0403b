import { z } from 'zod';

/** A JSON schema object as Fastify's route `schema` takes it. */
export type JsonSchema = Record<string, unknown>;

/**
 * One zod schema declares each HTTP body; Fastify validates (ajv) and serialises with its JSON
 * Schema form, and handlers get its `z.infer` type through the route generics. Draft-07 is what
 * Fastify's ajv speaks; requests read the input form (defaults optional), responses the output form.
 */
export function requestSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { target: 'draft-7', io: 'input' });
  return rest;
}

export function responseSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { target: 'draft-7', io: 'output' });
  return rest;
}

// Deliberately loose: the mailbox proves an address, not a regex; this only rejects obvious junk.
export const emailSchema = z
  .string()
  .max(254)
  .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'an email address such as seller@example.com');

export const idParams = z.object({ id: z.coerce.number().int().positive() });
export type IdParams = z.infer<typeof idParams>;

export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
export type PageQuery = z.infer<typeof pageQuery>;

export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.string(),
  instance: z.string(),
});

/**
 * The problem responses every route may answer (any route can be rate limited), declared under the
 * media type they are served with, so that both the serialiser and the OpenAPI page use it.
 */
export const PROBLEM_RESPONSES: Record<string, JsonSchema> = Object.fromEntries(
  ['4xx', '5xx'].map((status) => [
    status,
    {
      description: 'RFC 9457 problem details: `code` is stable (docs/errors.md), `detail` says what to do.',
      content: { 'application/problem+json': { schema: responseSchema(problemSchema) } },
    },
  ]),
);
