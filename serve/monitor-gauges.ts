import { sql } from 'drizzle-orm';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Database } from '../data/index.js';
import { LABELS, labelIndexOf } from '../models/classifiers/classifier.js';
import { weightedF1 } from '../models/evaluation/index.js';

/**
 * The live-model figures `rakuten-ml monitor` reports and `/metrics` exposes as gauges, computed from
 * prediction_logs, seller_feedback and the training split: one implementation for both.
 */
export interface LiveFigures {
  since: string;
  predictions: number;
  /** prdtypecode -> share of the window's top-1 predictions, and of the train split's labels. */
  predictedShare: Record<string, number>;
  trainingShare: Record<string, number>;
  /** Population stability index of the predicted classes vs the training labels; null without data. */
  predictionPsi: number | null;
  confidence: { mean: number | null; belowHalfShare: number | null; histogram: number[] };
  /** Predictions sellers confirmed or corrected (their latest feedback on each). */
  feedback: { samples: number; accuracy: number | null; weightedF1: number | null };
}

export const CONFIDENCE_BINS = 10;

/**
 * PSI = Σ (a − e)·ln(a / e) over the categories, from counts: each count gets half an observation
 * (additive smoothing), so a class a small window simply did not see does not weigh like a real shift.
 */
export function populationStabilityIndex(expected: Record<string, number>, actual: Record<string, number>): number {
  const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])];
  const total = (counts: Record<string, number>) => keys.reduce((s, k) => s + (counts[k] ?? 0) + 0.5, 0);
  const te = total(expected);
  const ta = total(actual);
  let psi = 0;
  for (const key of keys) {
    const e = ((expected[key] ?? 0) + 0.5) / te;
    const a = ((actual[key] ?? 0) + 0.5) / ta;
    psi += (a - e) * Math.log(a / e);
  }
  return psi;
}

export function shares(counts: ReadonlyMap<string, number> | Record<string, number>): Record<string, number> {
  const entries = counts instanceof Map ? [...counts] : Object.entries(counts);
  const total = entries.reduce((s, [, n]) => s + n, 0);
  return Object.fromEntries(entries.map(([k, n]) => [k, total > 0 ? n / total : 0]));
}

/** The figures of the predictions logged in [since, until) (until defaults to now). */
export async function computeLiveFigures(db: Database, options: { since: Date; until?: Date }): Promise<LiveFigures> {
  const since = options.since.toISOString();
  const until = (options.until ?? new Date('9999-01-01T00:00:00Z')).toISOString();
  const training = await db.all<{ code: number; n: number }>(
    sql`SELECT prdtypecode AS code, COUNT(*) AS n FROM products WHERE split = 'train' AND prdtypecode IS NOT NULL GROUP BY prdtypecode`,
  );
  const logs = await db.all<{ code: number; confidence: number }>(
    sql`SELECT predicted_code AS code, confidence FROM prediction_logs WHERE created_at >= ${since} AND created_at < ${until}`,
  );
  const feedback = await db.all<{ predicted: number; correct: number }>(
    sql`SELECT l.predicted_code AS predicted, f.correct_code AS correct FROM seller_feedback f
      JOIN prediction_logs l ON l.id = f.prediction_log_id
      WHERE l.created_at >= ${since} AND l.created_at < ${until} AND f.id IN (SELECT MAX(id) FROM seller_feedback GROUP BY prediction_log_id)`,
  );
  const predicted = new Map<string, number>();
  const histogram = new Array<number>(CONFIDENCE_BINS).fill(0);
  let sum = 0;
  let below = 0;
  for (const row of logs) {
    const key = String(row.code);
    predicted.set(key, (predicted.get(key) ?? 0) + 1);
    const c = Number(row.confidence);
    sum += c;
    if (c < 0.5) below++;
    const bin = Math.min(CONFIDENCE_BINS - 1, Math.max(0, Math.floor(c * CONFIDENCE_BINS)));
    histogram[bin] = (histogram[bin] ?? 0) + 1;
  }
  const trainingCounts = Object.fromEntries(training.map((r) => [String(r.code), Number(r.n)]));
  const trainingShare = shares(trainingCounts);
  const predictedShare = shares(predicted);
  const known = feedback.filter((f) => LABELS.includes(f.correct) && LABELS.includes(f.predicted));
  return {
    since,
    predictions: logs.length,
    predictedShare,
    trainingShare,
    predictionPsi: logs.length > 0 && training.length > 0 ? populationStabilityIndex(trainingCounts, Object.fromEntries(predicted)) : null,
    confidence: {
      mean: logs.length > 0 ? sum / logs.length : null,
      belowHalfShare: logs.length > 0 ? below / logs.length : null,
      histogram,
    },
    feedback: {
      samples: known.length,
      accuracy: known.length > 0 ? known.filter((f) => f.correct === f.predicted).length / known.length : null,
      weightedF1:
        known.length > 0
          ? weightedF1(known.map((f) => labelIndexOf(f.correct)), known.map((f) => labelIndexOf(f.predicted)), LABELS.length)
          : null,
    },
  };
}

/**
 * Registers the monitor gauges (window `windowMs`, default 7 days) on an app's metrics registry.
 * They are computed on scrape, at most once per `cacheMs` (default 60 s).
 */
export function registerMonitorGauges(
  registry: Registry,
  db: Database,
  options: { windowMs?: number; cacheMs?: number } = {},
): void {
  const windowMs = options.windowMs ?? 7 * 24 * 3600 * 1000;
  const cacheMs = options.cacheMs ?? 60_000;
  let cached: { at: number; figures: Promise<LiveFigures | null> } | null = null;
  const errors = new Counter({ name: 'rakuten_monitor_compute_errors_total', help: 'Monitor figures that could not be computed (database errors)', registers: [registry] });
  const figures = (): Promise<LiveFigures | null> => {
    if (cached === null || Date.now() - cached.at > cacheMs) {
      const at = Date.now();
      cached = {
        at,
        figures: computeLiveFigures(db, { since: new Date(at - windowMs) }).catch(() => {
          errors.inc(); // counted and exposed; the gauges read NaN until the next computation
          return null;
        }),
      };
    }
    return cached.figures;
  };
  const gauge = (name: string, help: string, read: (f: LiveFigures) => number | null) =>
    new Gauge({
      name,
      help: `${help} (last ${Math.round(windowMs / 3600_000)} h)`,
      registers: [registry],
      async collect() {
        const f = await figures();
        this.set(f === null ? Number.NaN : (read(f) ?? Number.NaN));
      },
    });
  gauge('rakuten_monitor_predictions', 'Predictions logged in the window', (f) => f.predictions);
  gauge('rakuten_monitor_prediction_psi', 'PSI of predicted classes vs the training labels', (f) => f.predictionPsi);
  gauge('rakuten_monitor_confidence_mean', 'Mean top-1 confidence', (f) => f.confidence.mean);
  gauge('rakuten_monitor_confidence_below_half_share', 'Share of predictions with confidence < 0.5', (f) => f.confidence.belowHalfShare);
  gauge('rakuten_monitor_feedback_samples', 'Predictions with seller feedback', (f) => f.feedback.samples);
  gauge('rakuten_monitor_live_accuracy', 'Accuracy on seller-confirmed or corrected predictions', (f) => f.feedback.accuracy);
  gauge('rakuten_monitor_live_weighted_f1', 'Weighted F1 on seller-confirmed or corrected predictions', (f) => f.feedback.weightedF1);
}
