import { sql } from 'drizzle-orm';
import type { Database } from '../data/index.js';
import type { RankedClass } from './ranking.js';

/** What gets logged per prediction: who, when, which model, what it read and answered; no raw input. */
export interface PredictionLogInput {
  userId: number;
  modelVersion: string;
  modality: string;
  topK: readonly RankedClass[];
  inputSha256: string;
  imageSha256: string | null;
  latencyMs: number;
}

export interface PredictionLog {
  id: number;
  userId: number | null;
  modelVersion: string;
  modality: string | null;
  topK: { prdtypecode: number; probability: number }[];
  inputSha256: string | null;
  imageSha256: string | null;
  predictedCode: number;
  confidence: number;
  latencyMs: number;
  createdAt: string;
}

interface LogRow extends Record<string, unknown> {
  id: number | string;
  user_id: number | string | null;
  model_version: string;
  modality: string | null;
  top_k: string | null;
  input_sha256: string | null;
  image_sha256: string | null;
  predicted_code: number | string;
  confidence: number | string;
  latency_ms: number | string;
  created_at: string;
}

function parseTopK(raw: string | null): PredictionLog['topK'] {
  if (!raw) return [];
  const parsed: unknown = JSON.parse(raw);
  if (!Array.isArray(parsed)) return [];
  return parsed.map((item: unknown) => {
    const entry = typeof item === 'object' && item !== null ? item : {};
    return {
      prdtypecode: 'prdtypecode' in entry ? Number(entry.prdtypecode) : -1,
      probability: 'probability' in entry ? Number(entry.probability) : 0,
    };
  });
}

function toLog(row: LogRow): PredictionLog {
  return {
    id: Number(row.id),
    userId: row.user_id === null ? null : Number(row.user_id),
    modelVersion: row.model_version,
    modality: row.modality,
    topK: parseTopK(row.top_k),
    inputSha256: row.input_sha256,
    imageSha256: row.image_sha256,
    predictedCode: Number(row.predicted_code),
    confidence: Number(row.confidence),
    latencyMs: Number(row.latency_ms),
    createdAt: row.created_at,
  };
}

/** Logs one prediction and returns its id (the handle for feedback). input_text stays null: privacy. */
export async function insertPredictionLog(db: Database, log: PredictionLogInput): Promise<number> {
  const [best] = log.topK;
  const topK = JSON.stringify(log.topK.map((r) => ({ prdtypecode: r.prdtypecode, probability: r.probability })));
  const [row] = await db.all<{ id: number | string }>(sql`INSERT INTO prediction_logs
    (user_id, model_version, modality, top_k, input_sha256, input_text, image_sha256, predicted_code, confidence, latency_ms, created_at)
    VALUES (${log.userId}, ${log.modelVersion}, ${log.modality}, ${topK}, ${log.inputSha256}, ${null}, ${log.imageSha256},
      ${best?.prdtypecode ?? -1}, ${best?.probability ?? 0}, ${log.latencyMs}, ${new Date().toISOString()})
    RETURNING id`);
  if (!row) throw new Error('INSERT ... RETURNING gave no row');
  return Number(row.id);
}

/** Newest first; only one user's when userId is given (GET /me/logs), else everyone's (admin). */
export async function listPredictionLogs(
  db: Database,
  filter: { userId?: number | undefined; limit: number; offset: number },
): Promise<{ logs: PredictionLog[]; total: number }> {
  const where = filter.userId === undefined ? sql`` : sql`WHERE user_id = ${filter.userId}`;
  const rows = await db.all<LogRow>(
    sql`SELECT * FROM prediction_logs ${where} ORDER BY id DESC LIMIT ${filter.limit} OFFSET ${filter.offset}`,
  );
  const [count] = await db.all<{ n: number | string }>(sql`SELECT COUNT(*) AS n FROM prediction_logs ${where}`);
  return { logs: rows.map(toLog), total: Number(count?.n ?? 0) };
}

export async function findPredictionLog(db: Database, id: number): Promise<PredictionLog | undefined> {
  const [row] = await db.all<LogRow>(sql`SELECT * FROM prediction_logs WHERE id = ${id}`);
  return row ? toLog(row) : undefined;
}
