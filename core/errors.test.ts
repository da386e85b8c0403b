import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, InputError, NotFoundError } from './errors.js';

describe('error codes', () => {
  it('are each documented in docs/errors.md, and the page lists no others', () => {
    const page = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
    const documented = [...page.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);
    expect([...documented].sort()).toEqual([...ERROR_CODES].sort());
  });

  it('keep the class name, code, hint and cause', () => {
    const cause = new Error('disk');
    const error = new NotFoundError('BUNDLE_NOT_FOUND', 'no bundle', { hint: 'train first', cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('NotFoundError');
    expect(error.code).toBe('BUNDLE_NOT_FOUND');
    expect(error.hint).toBe('train first');
    expect(error.cause).toBe(cause);
    expect(new InputError('CONFIG_INVALID', 'x').hint).toBeUndefined();
  });
});
