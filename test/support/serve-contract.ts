import { existsSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, buildTestApp, multipartBody, signUp, TEST_JWT_SECRET } from './serve-app.js';
import type { ServeDatabase, ServeFixture } from './serve-fixtures.js';

type Session = Awaited<ReturnType<typeof signUp>>;

export function expectProblem(res: LightMyRequestResponse, status: number, code: string): void {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body: Record<string, unknown> = res.json();
  expect(body).toMatchObject({ status, code });
  expect(Object.keys(body).sort()).toEqual(['code', 'detail', 'instance', 'status', 'title', 'type']);
  expect(String(body.detail)).not.toMatch(/\n\s+at |node_modules|SELECT|INSERT/);
}

const INJECTIONS = [
  "'; DROP TABLE users; --",
  '1 OR 1=1; DELETE FROM prediction_logs',
  '<script>alert(1)</script><img src=x onerror=alert(2)>Chaise <b onmouseover="alert(3)">en bois</b>',
  "Robert'); DROP TABLE products;--",
];

/**
 * The API's behaviour on one database: happy paths, then each bad input gets a clear 4xx problem and
 * leaves the server answering and the data intact.
 */
export function serveContract(label: string, openDb: () => Promise<ServeDatabase>, fixture: () => ServeFixture): void {
  describe(`serve API on ${label}`, () => {
    let database: ServeDatabase;
    let app: FastifyInstance;
    let alice: Session;
    let bob: Session;
    let admin: Session;
    const f = () => fixture();
    const predict = (token: string, payload: object, query = '') =>
      app.inject({ method: 'POST', url: `/predict${query}`, headers: bearer(token), payload });
    const count = async (table: 'users' | 'prediction_logs' | 'products') =>
      Number((await database.db.all<{ n: number | string }>(sql`SELECT COUNT(*) AS n FROM ${sql.raw(table)}`))[0]?.n);

    beforeAll(async () => {
      database = await openDb();
      app = await buildTestApp(database, { model: f().fusionBundle, textModel: f().textBundle });
      alice = await signUp(app, database);
      bob = await signUp(app, database);
      admin = await signUp(app, database, { isAdmin: true });
    });
    afterAll(async () => {
      await app?.close();
      await database?.close();
    });

    it('registers, logs in with an argon2id hash, and answers GET /me', async () => {
      const me = await app.inject({ method: 'GET', url: '/me', headers: bearer(alice.token) });
      expect(me.json()).toMatchObject({ id: alice.userId, email: alice.email, role: 'user', isDisabled: false });
      const [row] = await database.db.all<{ password_hash: string }>(sql`SELECT password_hash FROM users WHERE id = ${alice.userId}`);
      expect(row?.password_hash).toMatch(/^\$argon2id\$/);
    });

    it('routes each request to the model for what was sent, with top-k, version and latency', async () => {
      const { designation, description } = f().texts[0] ?? { designation: '', description: '' };
      const text = await predict(alice.token, { designation, description });
      expect(text.statusCode, text.body).toBe(200);
      const textBody = text.json();
      expect(textBody).toMatchObject({ modality: 'text', model: { kind: 'tfidf' } });
      expect(textBody.predictions).toHaveLength(5);
      expect(textBody.predictions[0]).toEqual({ prdtypecode: expect.any(Number), name: expect.any(String), probability: expect.any(Number) });
      expect(textBody.latencyMs).toBeGreaterThanOrEqual(0);
      expect(textBody.model.version).toMatch(/^[0-9a-f]{64}$/);

      const image = await predict(alice.token, { image: f().jpeg.toString('base64') }, '?k=3');
      expect(image.json()).toMatchObject({ modality: 'image', model: { kind: 'late-fusion' } });
      expect(image.json().predictions).toHaveLength(3);

      const form = multipartBody({ designation: 'Console de jeux' }, { name: 'image', filename: 'p.jpg', contentType: 'image/jpeg', bytes: f().jpeg });
      const both = await app.inject({ method: 'POST', url: '/predict?cumulative=0.9', headers: { ...bearer(alice.token), ...form.headers }, payload: form.payload });
      expect(both.statusCode, both.body).toBe(200);
      expect(both.json()).toMatchObject({ modality: 'both', model: { kind: 'late-fusion' } });
      const probabilities: number[] = both.json().predictions.map((p: { probability: number }) => p.probability);
      expect(probabilities.reduce((s, p) => s + p, 0)).toBeGreaterThanOrEqual(0.9 - 1e-6);
    });

    it('predicts a batch, one log row per product', async () => {
      const before = await count('prediction_logs');
      const res = await app.inject({
        method: 'POST',
        url: '/predict/batch?k=2',
        headers: bearer(bob.token),
        payload: { products: [{ designation: 'Livre de cuisine' }, { image: f().jpeg.toString('base64') }, { description: 'Jouet en bois', image: f().jpeg.toString('base64') }] },
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().results.map((r: { modality: string }) => r.modality)).toEqual(['text', 'image', 'both']);
      expect(await count('prediction_logs')).toBe(before + 3);
    });

    it('logs every prediction with a hash, never the text; each user reads only their own', async () => {
      const mine = await app.inject({ method: 'GET', url: '/me/logs?limit=2', headers: bearer(alice.token) });
      const page = mine.json();
      expect(page.total).toBe(3);
      expect(page.logs).toHaveLength(2);
      for (const log of page.logs) {
        expect(log.userId).toBe(alice.userId);
        expect(log.inputSha256).toMatch(/^[0-9a-f]{64}$/);
      }
      const texts = await database.db.all<{ input_text: string | null }>(sql`SELECT input_text FROM prediction_logs`);
      expect(texts.every((r) => r.input_text === null)).toBe(true);
      const bobs = (await app.inject({ method: 'GET', url: '/me/logs', headers: bearer(bob.token) })).json();
      expect(bobs.logs.every((l: { userId: number }) => l.userId === bob.userId)).toBe(true);
      expectProblem(await app.inject({ method: 'GET', url: `/logs?userId=${alice.userId}`, headers: bearer(bob.token) }), 403, 'AUTH_FORBIDDEN');
      const all = await app.inject({ method: 'GET', url: '/logs', headers: bearer(admin.token) });
      expect(all.json().total).toBe(await count('prediction_logs'));
    });

    it('stores a product image content-addressed, lists own products, and lets only the owner delete', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/products',
        headers: bearer(alice.token),
        payload: { designation: 'Figurine', description: 'en <b>plastique</b>', prdtypecode: 1280, image: f().jpeg.toString('base64') },
      });
      expect(res.statusCode, res.body).toBe(201);
      const product = res.json();
      expect(product).toMatchObject({ source: 'seller', ownerUserId: alice.userId, prdtypecode: 1280, imageType: 'jpeg' });
      const [row] = await database.db.all<{ image_path: string; cleaned_text: string }>(sql`SELECT image_path, cleaned_text FROM products WHERE productid = ${product.productid}`);
      expect(row?.image_path).toBe(path.join(database.home, 'uploads', `${product.imageSha256}.jpg`));
      expect(existsSync(row?.image_path ?? '')).toBe(true);
      expect(row?.cleaned_text).toBe('Figurine . en plastique');
      const bobsList = (await app.inject({ method: 'GET', url: '/products', headers: bearer(bob.token) })).json();
      expect(bobsList.products).toEqual([]);
      expectProblem(await app.inject({ method: 'DELETE', url: `/products/${product.productid}`, headers: bearer(bob.token) }), 404, 'PRODUCT_NOT_FOUND');
      expect((await app.inject({ method: 'GET', url: '/products', headers: bearer(alice.token) })).json().total).toBe(1);
      const adminList = (await app.inject({ method: 'GET', url: '/products?all=true', headers: bearer(admin.token) })).json();
      expect(adminList.total).toBeGreaterThanOrEqual(1);
      expect((await app.inject({ method: 'DELETE', url: `/products/${product.productid}`, headers: bearer(alice.token) })).statusCode).toBe(204);
      expect(existsSync(row?.image_path ?? '')).toBe(false);
    });

    it('turns feedback on a prediction into a labelled seller product', async () => {
      const prediction = (await predict(alice.token, { designation: 'Puzzle 1000 pièces' })).json();
      const other = await app.inject({ method: 'POST', url: `/predictions/${prediction.predictionId}/feedback`, headers: bearer(bob.token), payload: { prdtypecode: 1280, designation: 'x' } });
      expectProblem(other, 404, 'PREDICTION_NOT_FOUND');
      const res = await app.inject({
        method: 'POST',
        url: `/predictions/${prediction.predictionId}/feedback`,
        headers: bearer(alice.token),
        payload: { prdtypecode: 1280, designation: 'Puzzle 1000 pièces', comment: 'jouet' },
      });
      expect(res.statusCode, res.body).toBe(201);
      const [row] = await database.db.all<{ prdtypecode: number; source: string; split: string | null }>(
        sql`SELECT prdtypecode, source, split FROM products WHERE productid = ${res.json().product.productid}`,
      );
      expect(row).toEqual({ prdtypecode: 1280, source: 'seller', split: null });
      expectProblem(
        await app.inject({ method: 'POST', url: `/predictions/${prediction.predictionId}/feedback`, headers: bearer(alice.token), payload: { prdtypecode: 7 } }),
        400,
        'CATEGORY_UNKNOWN',
      );
    });

    it('lets an admin list users, change a role, and disable a user whose token then stops working', async () => {
      const carol = await signUp(app, database);
      expectProblem(await app.inject({ method: 'GET', url: '/users', headers: bearer(carol.token) }), 403, 'AUTH_FORBIDDEN');
      expectProblem(await app.inject({ method: 'PATCH', url: `/users/${carol.userId}`, headers: bearer(carol.token), payload: { role: 'admin' } }), 403, 'AUTH_FORBIDDEN');
      expect((await app.inject({ method: 'GET', url: '/users', headers: bearer(admin.token) })).json().total).toBe(await count('users'));
      const promoted = await app.inject({ method: 'PATCH', url: `/users/${carol.userId}`, headers: bearer(admin.token), payload: { role: 'admin' } });
      expect(promoted.json()).toMatchObject({ role: 'admin' });
      expect((await app.inject({ method: 'GET', url: '/users', headers: bearer(carol.token) })).statusCode).toBe(200);
      await app.inject({ method: 'PATCH', url: `/users/${carol.userId}`, headers: bearer(admin.token), payload: { isDisabled: true } });
      expectProblem(await app.inject({ method: 'GET', url: '/me', headers: bearer(carol.token) }), 401, 'AUTH_TOKEN_INVALID');
      expectProblem(await app.inject({ method: 'POST', url: '/auth/login', payload: { email: carol.email, password: carol.password } }), 401, 'AUTH_CREDENTIALS_INVALID');
      expectProblem(await app.inject({ method: 'PATCH', url: '/users/999999', headers: bearer(admin.token), payload: { role: 'admin' } }), 404, 'USER_NOT_FOUND');
    });

    describe('bad input: a clear 4xx problem, the server stays up, the data stays intact', () => {
      let counts: { users: number; prediction_logs: number; products: number };
      beforeAll(async () => {
        counts = { users: await count('users'), prediction_logs: await count('prediction_logs'), products: await count('products') };
      });

      it('no token, a forged token, an alg-none token, an expired token', async () => {
        expectProblem(await app.inject({ method: 'GET', url: '/me' }), 401, 'AUTH_TOKEN_MISSING');
        expectProblem(await app.inject({ method: 'POST', url: '/predict', payload: { designation: 'x' } }), 401, 'AUTH_TOKEN_MISSING');
        const forged = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(String(admin.userId)).setIssuer('rakuten-ml').setExpirationTime('1h').sign(new TextEncoder().encode('not-the-server-secret-not-the-server-secret'));
        expectProblem(await app.inject({ method: 'GET', url: '/users', headers: bearer(forged) }), 401, 'AUTH_TOKEN_INVALID');
        const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
        const claims = Buffer.from(JSON.stringify({ sub: String(admin.userId), iss: 'rakuten-ml' })).toString('base64url');
        expectProblem(await app.inject({ method: 'GET', url: '/users', headers: bearer(`${header}.${claims}.`) }), 401, 'AUTH_TOKEN_INVALID');
        const expired = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(String(alice.userId)).setIssuer('rakuten-ml').setIssuedAt(1_600_000_000).setExpirationTime(1_600_000_060).sign(new TextEncoder().encode(TEST_JWT_SECRET));
        const res = await app.inject({ method: 'GET', url: '/me', headers: bearer(expired) });
        expectProblem(res, 401, 'AUTH_TOKEN_INVALID');
        expect(res.json().detail).toMatch(/expired/);
        expectProblem(await app.inject({ method: 'GET', url: '/me', headers: { authorization: 'Basic abc' } }), 401, 'AUTH_TOKEN_MISSING');
      });

      it('an upload that is not an image, a 20 MB image, a truncated JPEG', async () => {
        const text = multipartBody({ designation: 'x' }, { name: 'image', filename: 'photo.jpg', contentType: 'image/jpeg', bytes: Buffer.from('just some text, not a photo') });
        expectProblem(await app.inject({ method: 'POST', url: '/predict', headers: { ...bearer(alice.token), ...text.headers }, payload: text.payload }), 415, 'IMAGE_TYPE_UNSUPPORTED');
        expectProblem(await predict(alice.token, { image: Buffer.from('GIF89a but not really').toString('base64').replace('R0lG', 'AAAA') }), 415, 'IMAGE_TYPE_UNSUPPORTED');
        const huge = Buffer.alloc(20 * 1024 * 1024, 0x41);
        f().jpeg.copy(huge, 0, 0, 64);
        const big = multipartBody({}, { name: 'image', filename: 'big.jpg', contentType: 'image/jpeg', bytes: huge });
        expectProblem(await app.inject({ method: 'POST', url: '/predict', headers: { ...bearer(alice.token), ...big.headers }, payload: big.payload }), 413, 'SERVE_PAYLOAD_TOO_LARGE');
        expectProblem(await predict(alice.token, { image: huge.toString('base64') }), 413, 'SERVE_PAYLOAD_TOO_LARGE');
        const truncated = f().jpeg.subarray(0, Math.floor(f().jpeg.length / 2));
        expectProblem(await predict(alice.token, { designation: 'x', image: truncated.toString('base64') }), 400, 'IMAGE_UNREADABLE');
        expectProblem(await app.inject({ method: 'POST', url: '/products', headers: bearer(alice.token), payload: { designation: 'x', image: 'bm90IGFuIGltYWdl' } }), 415, 'IMAGE_TYPE_UNSUPPORTED');
      });

      it('all fields empty, a 1 MB title, malformed JSON, a wrong content type', async () => {
        expectProblem(await predict(alice.token, {}), 400, 'PREDICT_INPUT_EMPTY');
        expectProblem(await predict(alice.token, { designation: '', description: '   ', image: '' }), 400, 'PREDICT_INPUT_EMPTY');
        expectProblem(await predict(alice.token, { designation: '<p> </p>' }), 400, 'PREDICT_INPUT_EMPTY');
        const empty = multipartBody({ designation: '', description: '' });
        expectProblem(await app.inject({ method: 'POST', url: '/predict', headers: { ...bearer(alice.token), ...empty.headers }, payload: empty.payload }), 400, 'PREDICT_INPUT_EMPTY');
        const title = 'a'.repeat(1024 * 1024);
        expectProblem(await predict(alice.token, { designation: title }), 400, 'SERVE_REQUEST_INVALID');
        const form = multipartBody({ designation: title });
        expectProblem(await app.inject({ method: 'POST', url: '/predict', headers: { ...bearer(alice.token), ...form.headers }, payload: form.payload }), 400, 'SERVE_REQUEST_INVALID');
        expectProblem(await app.inject({ method: 'POST', url: '/products', headers: bearer(alice.token), payload: { designation: title } }), 400, 'SERVE_REQUEST_INVALID');
        const malformed = await app.inject({ method: 'POST', url: '/predict', headers: { ...bearer(alice.token), 'content-type': 'application/json' }, payload: '{"designation": "x",' });
        expectProblem(malformed, 400, 'SERVE_REQUEST_INVALID');
        expect(malformed.json().detail).toBe('The body is not valid JSON.');
        expectProblem(await app.inject({ method: 'POST', url: '/auth/login', headers: { 'content-type': 'application/json' }, payload: '{oops' }), 400, 'SERVE_REQUEST_INVALID');
        expectProblem(await app.inject({ method: 'POST', url: '/predict', headers: { ...bearer(alice.token), 'content-type': 'application/xml' }, payload: '<x/>' }), 415, 'SERVE_MEDIA_TYPE_UNSUPPORTED');
        expectProblem(await predict(alice.token, { designation: 'x' }, '?k=0'), 400, 'SERVE_REQUEST_INVALID');
        expectProblem(await app.inject({ method: 'POST', url: '/predict/batch', headers: bearer(alice.token), payload: { products: Array.from({ length: 65 }, () => ({ designation: 'x' })) } }), 400, 'SERVE_REQUEST_INVALID');
        expectProblem(await app.inject({ method: 'GET', url: '/nowhere' }), 404, 'SERVE_ROUTE_NOT_FOUND');
      });

      it('a duplicate registration, weak and malformed credentials', async () => {
        expectProblem(await app.inject({ method: 'POST', url: '/auth/register', payload: { email: alice.email, password: 'another-password' } }), 409, 'USER_EMAIL_TAKEN');
        expectProblem(await app.inject({ method: 'POST', url: '/auth/register', payload: { email: alice.email.toUpperCase(), password: 'another-password' } }), 409, 'USER_EMAIL_TAKEN');
        expectProblem(await app.inject({ method: 'POST', url: '/auth/register', payload: { email: 'not-an-email', password: 'long-enough' } }), 400, 'SERVE_REQUEST_INVALID');
        expectProblem(await app.inject({ method: 'POST', url: '/auth/register', payload: { email: 'short@example.com', password: 'short' } }), 400, 'SERVE_REQUEST_INVALID');
        expectProblem(await app.inject({ method: 'POST', url: '/auth/login', payload: { email: alice.email, password: 'wrong-password' } }), 401, 'AUTH_CREDENTIALS_INVALID');
      });

      it('SQL and HTML injection strings in every text field are data, never code', async () => {
        for (const evil of INJECTIONS) {
          const login = await app.inject({ method: 'POST', url: '/auth/login', payload: { email: `${evil.replace(/\s/g, '')}@x.fr`, password: evil } });
          expectProblem(login, 401, 'AUTH_CREDENTIALS_INVALID');
          const res = await predict(alice.token, { designation: evil, description: evil });
          expect(res.statusCode, res.body).toBe(200);
          const product = await app.inject({ method: 'POST', url: '/products', headers: bearer(alice.token), payload: { designation: evil, description: evil } });
          expect(product.statusCode, product.body).toBe(201);
          expect(product.json()).toMatchObject({ designation: evil, description: evil });
          expect(product.headers['content-type']).toMatch(/^application\/json/);
          const feedback = await app.inject({ method: 'POST', url: `/predictions/${res.json().predictionId}/feedback`, headers: bearer(alice.token), payload: { prdtypecode: 10, comment: evil, designation: evil } });
          expect(feedback.statusCode, feedback.body).toBe(201);
        }
        expectProblem(await app.inject({ method: 'GET', url: `/me/logs?limit=${encodeURIComponent("1; DROP TABLE users")}`, headers: bearer(alice.token) }), 400, 'SERVE_REQUEST_INVALID');
        expectProblem(await app.inject({ method: 'DELETE', url: `/products/${encodeURIComponent('1 OR 1=1')}`, headers: bearer(alice.token) }), 400, 'SERVE_REQUEST_INVALID');
        counts.prediction_logs += INJECTIONS.length;
        counts.products += INJECTIONS.length * 2;
      });

      it('afterwards the server answers and every table holds what it held', async () => {
        expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
        expect((await app.inject({ method: 'GET', url: '/ready' })).json()).toMatchObject({ status: 'ready', database: 'ok' });
        expect(await count('users')).toBe(counts.users);
        expect(await count('prediction_logs')).toBe(counts.prediction_logs);
        expect(await count('products')).toBe(counts.products);
        expect((await app.inject({ method: 'GET', url: '/me', headers: bearer(alice.token) })).statusCode).toBe(200);
      });
    });
  });
}
