import { isUtf8 } from 'node:buffer';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { InputError, messageOf } from '../core/index.js';

const REPLACEMENT_CHARACTER = '\uFFFD';

/** Paths (`products[0].designation`) of the strings, keys included, that hold a replacement character. */
function pathsWithReplacement(value: unknown, at: string): string[] {
  if (typeof value === 'string') return value.includes(REPLACEMENT_CHARACTER) ? [at || 'the body'] : [];
  if (Array.isArray(value)) return value.flatMap((item, i) => pathsWithReplacement(item, `${at}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, item]) => {
    const path = at ? `${at}.${key}` : key;
    return key.includes(REPLACEMENT_CHARACTER) ? [path] : pathsWithReplacement(item, path);
  });
}

function notUtf8(paths: readonly string[]): InputError {
  const named = paths.length > 0 ? paths.join(', ') : 'the body';
  return new InputError('SERVE_REQUEST_INVALID', `${named} is not valid UTF-8.`, {
    hint: 'Send text encoded as UTF-8; bytes that do not decode would reach the model as replacement characters.',
  });
}

// The JSON Schema types ajv would coerce into (Fastify's ajv runs with coerceTypes: 'array').
function isOfType(type: string, value: unknown): boolean {
  if (type === 'string') return typeof value === 'string';
  if (type === 'number') return typeof value === 'number';
  if (type === 'integer') return typeof value === 'number' && Number.isInteger(value);
  if (type === 'boolean') return typeof value === 'boolean';
  if (type === 'array') return Array.isArray(value);
  if (type === 'object') return value !== null && typeof value === 'object' && !Array.isArray(value);
  if (type === 'null') return value === null;
  return true;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** The first place where a JSON value's type differs from its schema's, as ajv reports it. */
function findTypeMismatch(schema: unknown, value: unknown, at: string): string | undefined {
  if (!isRecord(schema)) return undefined;
  const { type } = schema;
  if (typeof type === 'string' && !isOfType(type, value)) {
    const actual = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    return `${at} must be ${type === 'array' || type === 'integer' ? 'an' : 'a'} ${type}, not ${actual}`;
  }
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = findTypeMismatch(schema.items, item, `${at}/${i}`);
      if (found) return found;
    }
    return undefined;
  }
  if (isRecord(value) && isRecord(schema.properties)) {
    for (const [key, item] of Object.entries(value)) {
      const found = findTypeMismatch(schema.properties[key], item, `${at}/${key}`);
      if (found) return found;
    }
  }
  return undefined;
}

const isJsonRequest = (request: FastifyRequest) => /^application\/json\b/i.test(request.headers['content-type'] ?? '');

/**
 * What the route schemas cannot say by themselves (issue #12):
 * - a multipart body needs its boundary;
 * - a JSON body must be valid UTF-8: Fastify's parser would turn bad bytes into U+FFFD and predict;
 * - a JSON value must already have its schema's type: ajv coerces (`{"designation": 123}` would pass
 *   as "123"), which query strings and multipart fields need (they are all text) but JSON does not.
 */
export function installBodyChecks(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
    if (isUtf8(body)) {
      parseJson(request, body.toString('utf8'), done);
      return;
    }
    // Decoded leniently, the bad bytes become U+FFFD: the strings holding one name the fields.
    parseJson(request, body.toString('utf8'), (error, parsed) => {
      done(error ?? notUtf8(pathsWithReplacement(parsed, '')), undefined);
    });
  });
  app.addHook('preValidation', async (request) => {
    // busboy throws a plain Error (a 500) on a multipart type without its boundary.
    const contentType = request.headers['content-type'] ?? '';
    if (/^multipart\//i.test(contentType) && !/;\s*boundary=/i.test(contentType)) {
      throw new InputError('SERVE_REQUEST_INVALID', 'The multipart Content-Type has no boundary parameter.', {
        hint: 'Let the HTTP client build the multipart body (curl -F, FormData): it adds the boundary.',
      });
    }
    const bodySchema = request.routeOptions.schema?.body;
    if (bodySchema === undefined || !isJsonRequest(request)) return;
    const mismatch = findTypeMismatch(bodySchema, request.body, 'body');
    if (mismatch) throw new InputError('SERVE_REQUEST_INVALID', `${mismatch}.`);
  });
}

function clientStatusOf(error: unknown): number | undefined {
  if (!(error instanceof Error) || !('statusCode' in error) || typeof error.statusCode !== 'number') return undefined;
  return error.statusCode;
}

/**
 * Reads a multipart body into `request.body` (text fields as strings, the file as a Buffer), for the
 * route schema to validate. Everything that goes wrong here is the body's fault: busboy's own parse
 * errors are plain Errors (a 500 otherwise), so they become a 400 naming what broke; the plugin's
 * limit errors keep their status (413). Text fields arrive decoded by busboy with bad bytes already
 * replaced by U+FFFD; a seller's text never holds that character on purpose, so it marks a field
 * that was not UTF-8. Register as a preValidation hook in the scope of @fastify/multipart.
 */
export async function readMultipartBody(request: FastifyRequest, options: { maxTextChars: number }): Promise<void> {
  if (!request.isMultipart()) return;
  const body: Record<string, unknown> = {};
  const add = (name: string, value: unknown) => {
    const previous = body[name];
    body[name] = previous === undefined ? value : Array.isArray(previous) ? [...previous, value] : [previous, value];
  };
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        add(part.fieldname, await part.toBuffer());
        continue;
      }
      if (part.valueTruncated) {
        throw new InputError('SERVE_REQUEST_INVALID', `${part.fieldname} is longer than ${options.maxTextChars} characters.`);
      }
      add(part.fieldname, part.value);
    }
  } catch (error: unknown) {
    if (error instanceof InputError || clientStatusOf(error) !== undefined) throw error;
    throw new InputError('SERVE_REQUEST_INVALID', `The multipart body is malformed: ${messageOf(error)}.`, {
      hint: 'Let the HTTP client build the multipart body (curl -F, FormData).',
      cause: error,
    });
  }
  const textFields = Object.fromEntries(Object.entries(body).filter(([, value]) => typeof value === 'string'));
  const paths = pathsWithReplacement(textFields, '');
  if (paths.length > 0) throw notUtf8(paths);
  request.body = body;
}
