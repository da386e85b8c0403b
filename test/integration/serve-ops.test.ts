import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, parseServeConfig, type ModelResolver } from '../../serve/index.js';
import { bearer, buildTestApp, signUp } from '../support/serve-app.js';
import { expectProblem } from '../support/serve-contract.js';
import { buildServeFixture, openSqliteServeDatabase, type ServeDatabase, type ServeFixture } from '../support/serve-fixtures.js';

let fixture: ServeFixture;
let database: ServeDatabase;

beforeAll(async () => {
  fixture = await buildServeFixture();
  database = await openSqliteServeDatabase();
});
afterAll(async () => {
  await database?.close();
  fixture?.cleanup();
});

describe('serve over real HTTP on loopback', () => {
  it('answers health, auth and a multipart prediction through a listening socket', async () => {
    const app = await buildTestApp(database, { model: fixture.fusionBundle });
    try {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const address = app.server.address();
      if (!address || typeof address === 'string') throw new Error('no TCP address');
      const base = `http://127.0.0.1:${address.port}`;
      expect((await fetch(`${base}/health`)).status).toBe(200);
      const email = `http-${Date.now()}@example.com`;
      const json = { 'content-type': 'application/json' };
      expect((await fetch(`${base}/auth/register`, { method: 'POST', headers: json, body: JSON.stringify({ email, password: 'long-password' }) })).status).toBe(201);
      const login = await fetch(`${base}/auth/login`, { method: 'POST', headers: json, body: JSON.stringify({ email, password: 'long-password' }) });
      const { token } = (await login.json()) as { token: string };
      const form = new FormData();
      form.append('designation', 'Chaise de jardin en bois');
      form.append('image', new Blob([fixture.jpeg], { type: 'image/jpeg' }), 'chaise.jpg');
      const res = await fetch(`${base}/predict?k=3`, { method: 'POST', headers: bearer(token), body: form });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ modality: 'both', model: { kind: 'late-fusion' } });
      const unauthorised = await fetch(`${base}/me`);
      expect(unauthorised.status).toBe(401);
      expect(unauthorised.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    } finally {
      await app.close();
    }
  });
});

describe('serve operations', () => {
  it('reloads a re-resolved model without downtime and keeps the old one when a reload fails', async () => {
    let target: string | Error = fixture.textBundle;
    const resolveModel: ModelResolver = async (ref) => {
      if (target instanceof Error) throw target;
      const { resolveLocalBundle } = await import('../../serve/index.js');
      return { ...(await resolveLocalBundle(target)), name: ref };
    };
    const app = await buildTestApp(database, { model: 'rakuten@champion' }, {}, { resolveModel });
    try {
      const { token } = await signUp(app, database);
      const first = (await app.inject({ method: 'GET', url: '/ready' })).json();
      expect(first.models).toMatchObject([{ name: 'rakuten@champion', kind: 'tfidf' }]);
      expect(await app.reloadModels()).toEqual({ reloaded: [], failed: [] });
      target = fixture.fusionBundle;
      const inFlight = app.inject({ method: 'POST', url: '/predict', headers: bearer(token), payload: { designation: 'Lampe de chevet' } });
      const reload = await app.reloadModels();
      expect((await inFlight).statusCode).toBe(200);
      expect(reload.reloaded).toHaveLength(1);
      const second = (await app.inject({ method: 'GET', url: '/ready' })).json();
      expect(second.models).toMatchObject([{ kind: 'late-fusion' }]);
      expect(second.models[0].version).not.toBe(first.models[0].version);
      target = new Error('registry unreachable');
      expect((await app.reloadModels()).failed).toEqual([{ slot: 'model', error: 'registry unreachable' }]);
      const after = await app.inject({ method: 'POST', url: '/predict', headers: bearer(token), payload: { image: fixture.jpeg.toString('base64') } });
      expect(after.json()).toMatchObject({ modality: 'image', model: { kind: 'late-fusion', version: second.models[0].version } });
      const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(metrics).toContain(`rakuten_model_info{slot="model",name="rakuten@champion",kind="late-fusion",version="${second.models[0].version}"} 1`);
      expect(metrics).toMatch(/rakuten_predictions_total\{prdtypecode="\d+",modality="image"\} 1/);
      expect(metrics).toContain('rakuten_http_request_duration_seconds_bucket');
    } finally {
      await app.close();
    }
  });

  it('refuses a modality no served model reads, and fails to start on a missing bundle', async () => {
    const app = await buildTestApp(database, { textModel: fixture.textBundle });
    try {
      const { token } = await signUp(app, database);
      expectProblem(await app.inject({ method: 'POST', url: '/predict', headers: bearer(token), payload: { image: fixture.jpeg.toString('base64') } }), 422, 'PREDICT_MODALITY_UNSUPPORTED');
      const text = await app.inject({ method: 'POST', url: '/predict', headers: bearer(token), payload: { designation: 'Stylo', image: fixture.jpeg.toString('base64') } });
      expect(text.json()).toMatchObject({ modality: 'text' });
    } finally {
      await app.close();
    }
    // A ref that names nothing is "not found" (exit 3), as under `evaluate`, not a service down (issue #13).
    await expect(buildTestApp(database, { model: `${fixture.dir}/missing` })).rejects.toMatchObject({ name: 'NotFoundError', code: 'BUNDLE_NOT_FOUND' });
    await expect(buildTestApp(database, { model: fixture.dir })).rejects.toMatchObject({ name: 'NotFoundError', code: 'BUNDLE_NOT_FOUND' });
    expect(() => parseServeConfig({ jwtSecret: 'short', uploadsDir: '/tmp/x', models: { model: 'x' } })).toThrow(
      expect.objectContaining({ code: 'AUTH_SECRET_MISSING' }),
    );
  });

  it('limits requests per user, keeps CORS closed by default, and serves the OpenAPI docs', async () => {
    const app = await buildTestApp(database, { model: fixture.textBundle }, { rateLimit: { max: 5, windowMs: 60_000 } });
    try {
      const alice = await signUp(app, database);
      const bob = await signUp(app, database);
      // Four anonymous requests (two sign-ups) count against the IP, not against alice.
      for (let i = 0; i < 5; i++) expect((await app.inject({ method: 'GET', url: '/me', headers: bearer(alice.token) })).statusCode).toBe(200);
      const limited = await app.inject({ method: 'GET', url: '/me', headers: bearer(alice.token) });
      expectProblem(limited, 429, 'SERVE_RATE_LIMITED');
      expect(limited.headers['retry-after']).toBeDefined();
      expect((await app.inject({ method: 'GET', url: '/me', headers: bearer(bob.token) })).statusCode).toBe(200);
      const preflight = await app.inject({ method: 'OPTIONS', url: '/predict', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await app.close();
    }
    const open = await buildTestApp(database, { model: fixture.textBundle }, { corsOrigins: ['https://shop.example'] });
    try {
      const res = await open.inject({ method: 'GET', url: '/health', headers: { origin: 'https://shop.example' } });
      expect(res.headers['access-control-allow-origin']).toBe('https://shop.example');
      const spec = (await open.inject({ method: 'GET', url: '/docs/json' })).json();
      expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/predict', '/predict/batch', '/auth/login', '/me/logs', '/products', '/predictions/{id}/feedback']));
      expect((await open.inject({ method: 'GET', url: '/docs/' })).statusCode).toBe(200);
    } finally {
      await open.close();
    }
  });

  it('builds with the default resolver and loader from config alone', async () => {
    const config = parseServeConfig({ jwtSecret: 'x'.repeat(32), uploadsDir: `${database.home}/uploads`, models: { model: fixture.textBundle } });
    const app = await buildApp(config, { db: database.db });
    expect((await app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);
    await app.close();
  });
});
