/**
 * The real API on loopback for the schemathesis contract test (test/contract/run-schemathesis.sh):
 * a temp SQLite home, a tiny real TF-IDF model trained on 60 rows of the shared sample, and one
 * signed-in admin (so the admin routes are exercised too, not only refused). Prints one JSON line
 * `{"baseUrl","token"}` on stdout once listening; SIGTERM/SIGINT closes the server and cleans up.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { buildApp, createUser, parseServeConfig } from '../../serve/index.js';
import { buildTextServeFixture, openSqliteServeDatabase } from '../support/serve-fixtures.js';

const fixture = await buildTextServeFixture();
const database = await openSqliteServeDatabase();
const config = parseServeConfig({
  jwtSecret: randomBytes(32).toString('hex'),
  uploadsDir: path.join(database.home, 'uploads'),
  models: { model: fixture.textBundle },
  // Schemathesis sends a few thousand requests from one account; the limiter has its own test.
  rateLimit: { max: 1_000_000, windowMs: 60_000 },
});
const app = await buildApp(config, { db: database.db });
const email = 'contract-admin@example.com';
const password = randomBytes(12).toString('hex');
await createUser(database.db, { email, password, role: 'admin' });
const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
const login = await app.inject({ method: 'POST', url: '/auth/login', payload: { email, password } });
const { token } = login.json<{ token: string }>();
process.stdout.write(`${JSON.stringify({ baseUrl, token })}\n`);

const stop = () => {
  void app
    .close()
    .then(() => database.close())
    .finally(() => fixture.cleanup());
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
