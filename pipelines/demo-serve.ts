import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../core/index.js';
import type { SplitRow } from '../data/index.js';
import { type RegistryDeps, resolveModelRef } from '../registry/index.js';
import { buildApp, parseServeConfig } from '../serve/index.js';

export interface DemoPrediction {
  productid: number;
  trueCode: number;
  modality: 'text' | 'image' | 'both';
  text: string | null;
  top3: { prdtypecode: number; name: string; probability: number }[];
}

export interface DemoServeResult {
  url: string;
  email: string;
  model: { name: string; version: string; kind: string };
  predictions: DemoPrediction[];
  /** Predictions sent in one /predict/batch call, so that monitor has a window to look at. */
  batchPredictions: number;
}

interface PredictAnswer {
  predictions: { prdtypecode: number; name: string; probability: number }[];
  model: { name: string; version: string; kind: string };
  modality: 'text' | 'image' | 'both';
}

async function call<T>(url: string, body: unknown, token?: string): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`POST ${url} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

async function productBody(row: SplitRow, modality: DemoPrediction['modality']) {
  return {
    ...(modality !== 'image' && row.text ? { designation: row.text } : {}),
    ...(modality !== 'text' && row.imagePath ? { image: (await readFile(row.imagePath)).toString('base64') } : {}),
  };
}

/**
 * Starts the API in-process on 127.0.0.1 (a free port) serving `rakuten@champion`, signs a seller up
 * through the API, sends real test products over HTTP (text only, image only, both, then a batch)
 * and stops the server.
 */
export async function serveAndPredict(
  input: { home: string; rows: readonly SplitRow[]; batchSize: number },
  deps: { registry: RegistryDeps; log: Logger },
): Promise<DemoServeResult> {
  const config = parseServeConfig({
    jwtSecret: randomBytes(32).toString('hex'),
    uploadsDir: path.join(input.home, 'uploads'),
    models: { model: 'rakuten@champion' },
  });
  const resolveModel = async (ref: string) => {
    const resolved = await resolveModelRef(ref, deps.registry);
    return {
      bundleDir: resolved.bundleDir,
      version: resolved.version === undefined ? resolved.bundleSha256.slice(0, 12) : String(resolved.version),
      ...(resolved.name ? { name: resolved.name } : {}),
    };
  };
  const app = await buildApp(config, { db: deps.registry.db, resolveModel });
  try {
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const email = `demo-seller-${randomBytes(3).toString('hex')}@example.com`;
    const password = randomBytes(9).toString('hex');
    await call(`${url}/auth/register`, { email, password });
    const { token } = await call<{ token: string }>(`${url}/auth/login`, { email, password });
    const picks = [
      { modality: 'text' as const, row: input.rows.find((r) => r.text && !r.imagePath) ?? input.rows.find((r) => r.text) },
      { modality: 'image' as const, row: input.rows.find((r) => !r.text && r.imagePath) ?? input.rows.find((r) => r.imagePath) },
      { modality: 'both' as const, row: input.rows.find((r) => r.text && r.imagePath) },
    ];
    const predictions: DemoPrediction[] = [];
    let model = { name: '', version: '', kind: '' };
    for (const { modality, row } of picks) {
      if (!row) continue;
      const answer = await call<PredictAnswer>(`${url}/predict?k=3`, await productBody(row, modality), token);
      model = answer.model;
      predictions.push({
        productid: row.productid,
        trueCode: row.label,
        modality: answer.modality,
        text: modality === 'image' ? null : (row.text?.slice(0, 80) ?? null),
        top3: answer.predictions,
      });
    }
    // Spread over the whole split (rows come in productid order, which is not random).
    const withText = input.rows.filter((r) => r.text);
    const step = Math.max(1, Math.floor(withText.length / input.batchSize));
    const batch = withText.filter((_, i) => i % step === 0).slice(0, input.batchSize);
    if (batch.length > 0) {
      const products = await Promise.all(batch.map((r) => productBody(r, r.imagePath ? 'both' : 'text')));
      await call(`${url}/predict/batch?k=3`, { products }, token);
    }
    return { url, email, model, predictions, batchPredictions: batch.length };
  } finally {
    await app.close();
  }
}
