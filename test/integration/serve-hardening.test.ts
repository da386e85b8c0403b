import type { FastifyInstance } from 'fastify';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/index.js';
import { bearer, buildTestApp, multipartBody, signUp, TEST_JWT_SECRET } from '../support/serve-app.js';
import { expectProblem } from '../support/serve-contract.js';
import { buildTextServeFixture, openSqliteServeDatabase, type ServeDatabase } from '../support/serve-fixtures.js';

// Issue #12, section 3: each loose end an outside client found, one test each.
let fixture: Awaited<ReturnType<typeof buildTextServeFixture>>;
let database: ServeDatabase;
let app: FastifyInstance;
let seller: Awaited<ReturnType<typeof signUp>>;

beforeAll(async () => {
  fixture = await buildTextServeFixture();
  database = await openSqliteServeDatabase();
  app = await buildTestApp(database, { model: fixture.textBundle });
  seller = await signUp(app, database);
});
afterAll(async () => {
  await app?.close();
  await database?.close();
  fixture?.cleanup();
});

const postJson = (url: string, payload: string | Buffer) =>
  app.inject({ method: 'POST', url, headers: { ...bearer(seller.token), 'content-type': 'application/json' }, payload });

type JsonObject = Record<string, unknown>;
const isObject = (value: unknown): value is JsonObject => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Every schema object in the document, with where it sits. */
function walk(node: unknown, at: string, visit: (node: JsonObject, at: string) => void): void {
  if (Array.isArray(node)) {
    for (const [i, item] of node.entries()) walk(item, `${at}/${i}`, visit);
  }
  if (!isObject(node)) return;
  visit(node, at);
  for (const [key, value] of Object.entries(node)) walk(value, `${at}/${key}`, visit);
}

describe('serve hardening (issue #12)', () => {
  it('refuses a number or a boolean as designation or description, in /predict and /predict/batch', async () => {
    for (const payload of [{ designation: 123 }, { description: true }, { designation: 'Chaise', description: 4.5 }]) {
      const res = await postJson('/predict', JSON.stringify(payload));
      expectProblem(res, 400, 'SERVE_REQUEST_INVALID');
      expect(res.json().detail).toMatch(/body\/(designation|description) must be a string/);
    }
    const batch = await postJson('/predict/batch', JSON.stringify({ products: [{ designation: 'Lampe' }, { designation: false }] }));
    expectProblem(batch, 400, 'SERVE_REQUEST_INVALID');
    expect(batch.json().detail).toBe('body/products/1/designation must be a string, not a boolean.');
    const product = await postJson('/products', JSON.stringify({ designation: 7 }));
    expectProblem(product, 400, 'SERVE_REQUEST_INVALID');
    // Query strings and multipart fields are text on the wire: they still convert.
    expect((await postJson('/predict?k=2', JSON.stringify({ designation: 'Lampe de chevet' }))).statusCode).toBe(200);
    const form = multipartBody({ designation: 'Chaise de jardin', prdtypecode: '1560' });
    const created = await app.inject({ method: 'POST', url: '/products', headers: { ...bearer(seller.token), ...form.headers }, payload: form.payload });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().prdtypecode).toBe(1560);
  });

  it('refuses invalid UTF-8 in a JSON body or a multipart text field, naming the field', async () => {
    const latin1 = Buffer.concat([Buffer.from('{"designation":"Caf'), Buffer.from([0xe9]), Buffer.from(' noir","description":"ok"}')]);
    const json = await postJson('/predict', latin1);
    expectProblem(json, 400, 'SERVE_REQUEST_INVALID');
    expect(json.json().detail).toMatch(/^designation is not valid UTF-8\./);
    const batch = await postJson('/predict/batch', Buffer.concat([Buffer.from('{"products":[{"designation":"a"},{"description":"b'), Buffer.from([0xff, 0xfe]), Buffer.from('"}]}')]));
    expect(batch.json().detail).toMatch(/^products\[1\]\.description is not valid UTF-8\./);
    // Valid UTF-8, accents and emoji included, still predicts; a broken body is still "not valid JSON".
    expect((await postJson('/predict', Buffer.from('{"designation":"Café noir ☕ édition"}'))).statusCode).toBe(200);
    expect((await postJson('/predict', Buffer.concat([Buffer.from('{"designation":"'), Buffer.from([0xe9])]))).json().detail).toBe('The body is not valid JSON.');

    const form = multipartBody({ designation: 'x' });
    const broken = Buffer.from(form.payload.toString('latin1').replace('\r\n\r\nx\r\n', '\r\n\r\nCaf\u00e9\r\n'), 'latin1');
    const multipart = await app.inject({ method: 'POST', url: '/predict', headers: { ...bearer(seller.token), ...form.headers }, payload: broken });
    expectProblem(multipart, 400, 'SERVE_REQUEST_INVALID');
    expect(multipart.json().detail).toMatch(/^designation is not valid UTF-8\./);
    const product = await app.inject({ method: 'POST', url: '/products', headers: { ...bearer(seller.token), ...form.headers }, payload: broken });
    expectProblem(product, 400, 'SERVE_REQUEST_INVALID');
  });

  it('refuses a malformed multipart body with a 400, never a 500', async () => {
    const headers = (contentType: string) => ({ ...bearer(seller.token), 'content-type': contentType });
    const noBoundary = await app.inject({ method: 'POST', url: '/predict', headers: headers('multipart/form-data'), payload: 'x' });
    expectProblem(noBoundary, 400, 'SERVE_REQUEST_INVALID');
    expect(noBoundary.json().detail).toMatch(/no boundary/);
    const onDelete = await app.inject({ method: 'DELETE', url: '/products/1', headers: headers('multipart/form-data') });
    expectProblem(onDelete, 400, 'SERVE_REQUEST_INVALID');
    const truncated = await app.inject({ method: 'POST', url: '/products', headers: headers('multipart/form-data; boundary=x'), payload: '--x\r\nContent-Disposition: form-data; name="designation"\r\n\r\nabc' });
    expectProblem(truncated, 400, 'SERVE_REQUEST_INVALID');
    expect(truncated.json().detail).toMatch(/^The multipart body is malformed/);
  });

  it('refuses a token signed with the server secret but without exp or iat', async () => {
    const key = new TextEncoder().encode(TEST_JWT_SECRET);
    const sign = (claims: { exp?: boolean; iat?: boolean }) => {
      let jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(String(seller.userId)).setIssuer('rakuten-ml');
      if (claims.iat) jwt = jwt.setIssuedAt();
      if (claims.exp) jwt = jwt.setExpirationTime('1h');
      return jwt.sign(key);
    };
    for (const claims of [{}, { iat: true }, { exp: true }]) {
      expectProblem(await app.inject({ method: 'GET', url: '/me', headers: bearer(await sign(claims)) }), 401, 'AUTH_TOKEN_INVALID');
    }
    expect((await app.inject({ method: 'GET', url: '/me', headers: bearer(await sign({ exp: true, iat: true })) })).statusCode).toBe(200);
  });

  it('serves a valid OpenAPI 3.0.3 document: 3.0 bounds, problem+json errors, a token only where the hook asks one', async () => {
    const spec: JsonObject = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(spec.openapi).toBe('3.0.3');
    expect(spec.security).toBeUndefined();
    walk(spec, '', (node, at) => {
      for (const keyword of ['exclusiveMinimum', 'exclusiveMaximum']) {
        if (keyword in node) expect(node[keyword], `${at}/${keyword}`).toBe(true);
      }
    });
    const cumulative: unknown[] = [];
    walk(spec, '', (node) => {
      if (node.name === 'cumulative' && node.in === 'query') cumulative.push(node.schema);
    });
    expect(cumulative[0]).toMatchObject({ type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 1 });
    const paths = isObject(spec.paths) ? spec.paths : {};
    const publicRoutes = ['GET /health', 'GET /ready', 'GET /metrics', 'POST /auth/login', 'POST /auth/register'];
    const operations = Object.entries(paths).flatMap(([url, methods]) =>
      Object.entries(isObject(methods) ? methods : {}).map(([method, op]) => ({ route: `${method.toUpperCase()} ${url}`, op: isObject(op) ? op : {} })),
    );
    expect(operations.length).toBeGreaterThanOrEqual(16);
    for (const { route, op } of operations) {
      expect(op.security, route).toEqual(publicRoutes.includes(route) ? undefined : [{ bearerAuth: [] }]);
      const responses = isObject(op.responses) ? op.responses : {};
      for (const range of ['4XX', '5XX']) {
        const content = isObject(responses[range]) ? responses[range].content : undefined;
        expect(Object.keys(isObject(content) ? content : {}), `${route} ${range}`).toEqual(['application/problem+json']);
      }
    }
    const metrics = isObject(paths['/metrics']) ? JSON.stringify(paths['/metrics']) : '';
    expect(metrics).toContain('"text/plain"');
  });

  it('gives POST /products without text its own code, PRODUCT_INPUT_EMPTY', async () => {
    expectProblem(await postJson('/products', '{}'), 400, 'PRODUCT_INPUT_EMPTY');
    expectProblem(await postJson('/products', JSON.stringify({ designation: ' ', description: '' })), 400, 'PRODUCT_INPUT_EMPTY');
    expectProblem(await postJson('/predict', '{}'), 400, 'PREDICT_INPUT_EMPTY');
  });

  it('says the window in the 429 message, and the time left in the hint', async () => {
    const limited = await buildTestApp(database, { model: fixture.textBundle }, { rateLimit: { max: 2, windowMs: 90_000 } });
    try {
      for (let i = 0; i < 2; i++) await limited.inject({ method: 'GET', url: '/health' });
      const res = await limited.inject({ method: 'GET', url: '/health' });
      expectProblem(res, 429, 'SERVE_RATE_LIMITED');
      expect(res.json().detail).toMatch(/^Rate limit reached: 2 requests per 90 seconds\. Try again in \d+ (seconds?|minutes?) \(/);
    } finally {
      await limited.close();
    }
  });

  it('sends the usual security headers, and a /docs CSP under which the page loads its own files', async () => {
    const api = await app.inject({ method: 'GET', url: '/health' });
    expect(api.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'referrer-policy': 'no-referrer',
      'cross-origin-resource-policy': 'same-origin',
    });
    expect(api.headers['content-security-policy']).toMatch(/default-src 'none'/);
    const problem = await app.inject({ method: 'GET', url: '/me' });
    expect(problem.headers['x-content-type-options']).toBe('nosniff');

    const page = await app.inject({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).toMatch(/connect-src 'self'/);
    // Under that CSP no inline script may run: every script is a file, served as JavaScript (nosniff).
    expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>\s*\S/);
    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '');
    expect(assets.filter((a) => a.endsWith('.js'))).toHaveLength(3);
    for (const asset of assets) {
      expect(asset).not.toMatch(/^(https?:)?\/\//);
      const res = await app.inject({ method: 'GET', url: new URL(asset, 'http://localhost/docs/').pathname });
      expect(res.statusCode, asset).toBe(200);
      const expected = asset.endsWith('.js') ? /javascript/ : asset.endsWith('.css') ? /text\/css/ : /image\//;
      expect(res.headers['content-type'], asset).toMatch(expected);
    }
    expect((await app.inject({ method: 'GET', url: '/docs/json' })).statusCode).toBe(200);
  });

  it('answers 405 with an Allow header for a method a path does not take; an unknown path stays 404', async () => {
    const put = await app.inject({ method: 'PUT', url: '/predict', headers: bearer(seller.token) });
    expectProblem(put, 405, 'SERVE_METHOD_NOT_ALLOWED');
    expect(put.headers.allow).toBe('POST');
    const options = await app.inject({ method: 'OPTIONS', url: '/products/12' });
    expectProblem(options, 405, 'SERVE_METHOD_NOT_ALLOWED');
    expect(options.headers.allow).toBe('DELETE');
    expect((await app.inject({ method: 'DELETE', url: '/health' })).headers.allow).toBe('GET, HEAD');
    expectProblem(await app.inject({ method: 'GET', url: '/nowhere' }), 404, 'SERVE_ROUTE_NOT_FOUND');
    expectProblem(await app.inject({ method: 'GET', url: '/products/12/extra' }), 404, 'SERVE_ROUTE_NOT_FOUND');
  });

  it('reads the rate limit from RAKUTEN_ML_RATE_LIMIT, the --rate-limit flag winning', () => {
    expect(loadConfig({}).serve.rateLimitPerMinute).toBe(600);
    expect(loadConfig({ RAKUTEN_ML_RATE_LIMIT: '1200' }).serve.rateLimitPerMinute).toBe(1200);
    expect(loadConfig({ RAKUTEN_ML_RATE_LIMIT: '1200' }, { rateLimit: '30' }).serve.rateLimitPerMinute).toBe(30);
    expect(() => loadConfig({ RAKUTEN_ML_RATE_LIMIT: 'lots' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});
