/**
 * The served OpenAPI document must be valid 3.0.3 (issue #12): the route schemas are JSON Schema
 * draft-07 (what Fastify's ajv validates with), whose numeric `exclusiveMinimum`/`exclusiveMaximum`
 * OpenAPI 3.0 spells `minimum` + `exclusiveMinimum: true`. Only the document is rewritten; the
 * schemas ajv validates with stay draft-07.
 */
export function toOpenApi30<T>(document: T): T {
  const copy = structuredClone(document);
  rewriteExclusiveBounds(copy);
  return copy;
}

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object';

function rewriteExclusiveBounds(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) rewriteExclusiveBounds(item);
    return;
  }
  if (!isRecord(node)) return;
  const schema = node;
  for (const value of Object.values(schema)) rewriteExclusiveBounds(value);
  // A numeric bound is the draft-07 keyword; a schema-valued one would be a property named so.
  for (const [exclusive, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    const value = schema[exclusive];
    if (typeof value !== 'number') continue;
    const inclusive = schema[bound];
    // Both given: draft-07 applies both, so the tighter one wins (at equal values, the exclusive).
    const isExclusiveTighter =
      typeof inclusive !== 'number' || (bound === 'minimum' ? value >= inclusive : value <= inclusive);
    if (isExclusiveTighter) {
      schema[bound] = value;
      schema[exclusive] = true;
    } else {
      delete schema[exclusive];
    }
  }
}

/** Security requirement of the routes behind the bearer-token hook (serve/plugins/auth.ts). */
export const BEARER_SECURITY = [{ bearerAuth: [] }];
