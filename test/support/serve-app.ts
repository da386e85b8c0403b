import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp, createUser, parseServeConfig, type ServeConfigInput, type ServeDeps } from '../../serve/index.js';
import type { ServeDatabase } from './serve-fixtures.js';

export const TEST_JWT_SECRET = randomBytes(32).toString('hex');

/** An app over a test database, with the settings a test overrides. */
export async function buildTestApp(
  database: ServeDatabase,
  models: ServeConfigInput['models'],
  overrides: Partial<ServeConfigInput> = {},
  deps: Partial<ServeDeps> = {},
): Promise<FastifyInstance> {
  const config = parseServeConfig({
    jwtSecret: TEST_JWT_SECRET,
    uploadsDir: path.join(database.home, 'uploads'),
    models,
    rateLimit: { max: 10_000, windowMs: 60_000 },
    ...overrides,
  });
  return buildApp(config, { db: database.db, ...deps });
}

let counter = 0;

/** Registers through the API (or creates an admin directly, as the CLI does) and logs in. */
export async function signUp(
  app: FastifyInstance,
  database: ServeDatabase,
  options: { isAdmin?: boolean } = {},
): Promise<{ token: string; userId: number; email: string; password: string }> {
  counter++;
  const email = `seller${counter}-${randomBytes(3).toString('hex')}@example.com`;
  const password = `pw-${randomBytes(6).toString('hex')}`;
  if (options.isAdmin) {
    await createUser(database.db, { email, password, role: 'admin' });
  } else {
    const res = await app.inject({ method: 'POST', url: '/auth/register', payload: { email, password } });
    if (res.statusCode !== 201) throw new Error(`register failed: ${res.statusCode} ${res.body}`);
  }
  const login = await app.inject({ method: 'POST', url: '/auth/login', payload: { email, password } });
  if (login.statusCode !== 200) throw new Error(`login failed: ${login.statusCode} ${login.body}`);
  const body: { token: string; user: { id: number } } = login.json();
  return { token: body.token, userId: body.user.id, email, password };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A multipart/form-data body by hand (no extra dependency): text fields and one file. */
export function multipartBody(
  fields: Record<string, string>,
  file?: { name: string; filename: string; contentType: string; bytes: Buffer },
): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----rakuten${randomBytes(8).toString('hex')}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  if (file) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${file.name}"; filename="${file.filename}"\r\nContent-Type: ${file.contentType}\r\n\r\n`,
      ),
      file.bytes,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}
