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
  /** Whether the top-1 class is the true one (false only when none of the products tried was right). */
  isCorrect: boolean;
  /** Test products of this modality sent until this one was found (all of them when none was right). */
  tried: number;
}

export interface DemoServeResult {
  url: string;
  email: string;
  model: { name: string; version: string; kind: string };
  predictions: DemoPrediction[];
  /** Predictions sent through /predict/batch, so that monitor has a window to look at. */
  batchPredictions: number;
}

/** Test products tried per modality to find an example the served model classifies right. */
const EXAMPLE_CANDIDATES = 10;

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

/** Up to `count` rows spread over the whole list (rows come in productid order, which is not random). */
function spread<T>(rows: readonly T[], count: number): T[] {
  const step = Math.max(1, Math.floor(rows.length / count));
  return rows.filter((_, i) => i % step === 0).slice(0, count);
}

function imageOnlyOrAnyImage(rows: readonly SplitRow[]): SplitRow[] {
  const imageOnly = rows.filter((r) => !r.text && r.imagePath);
  return imageOnly.length > 0 ? imageOnly : rows.filter((r) => r.imagePath);
}

/**
 * Starts the API in-process on 127.0.0.1 (a free port) serving `rakuten@champion`, signs a seller up
 * through the API, sends real test products over HTTP (text only, image only, both, then batches of
 * `batchSize` spread over the split for monitor) and stops the server.
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
    const predict = async (row: SplitRow, modality: DemoPrediction['modality']) =>
      call<PredictAnswer>(`${url}/predict?k=3`, await productBody(row, modality), token);
    const candidates: { modality: DemoPrediction['modality']; rows: SplitRow[] }[] = [
      { modality: 'text', rows: spread(input.rows.filter((r) => r.text && !r.imagePath), EXAMPLE_CANDIDATES) },
      // With the titles file every photo has a title too: then send the photo alone.
      { modality: 'image', rows: spread(imageOnlyOrAnyImage(input.rows), EXAMPLE_CANDIDATES) },
      { modality: 'both', rows: spread(input.rows.filter((r) => r.text && r.imagePath), EXAMPLE_CANDIDATES) },
    ];
    const predictions: DemoPrediction[] = [];
    let model = { name: '', version: '', kind: '' };
    for (const { modality, rows } of candidates) {
      // A demo shows the product at its best but says what it cost: the first product of this
      // modality the model gets right, with how many were tried (the first one, marked wrong, if none).
      let shown: DemoPrediction | undefined;
      let tried = 0;
      for (const row of rows) {
        const answer = await predict(row, modality);
        model = answer.model;
        tried++;
        const isCorrect = answer.predictions[0]?.prdtypecode === row.label;
        const candidate: DemoPrediction = {
          productid: row.productid,
          trueCode: row.label,
          modality: answer.modality,
          text: modality === 'image' ? null : (row.text?.slice(0, 80) ?? null),
          top3: answer.predictions,
          isCorrect,
          tried,
        };
        if (shown === undefined || (isCorrect && !shown.isCorrect)) shown = candidate;
        if (isCorrect) break;
      }
      if (shown) predictions.push({ ...shown, tried });
    }
    // Enough predictions for monitor's prediction PSI to mean something: over 27 classes, a sample
    // of n from the very same distribution already scores about 26/n, so 60 would read as drift.
    const batch = spread(input.rows.filter((r) => r.text), input.batchSize);
    for (let start = 0; start < batch.length; start += config.maxBatchItems) {
      const chunk = batch.slice(start, start + config.maxBatchItems);
      const products = await Promise.all(chunk.map((r) => productBody(r, r.imagePath ? 'both' : 'text')));
      await call(`${url}/predict/batch?k=3`, { products }, token);
    }
    return { url, email, model, predictions, batchPredictions: batch.length };
  } finally {
    await app.close();
  }
}
