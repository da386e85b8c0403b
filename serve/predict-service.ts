import { createHash } from 'node:crypto';
import { InputError } from '../core/index.js';
import { type Database, joinProductText } from '../data/index.js';
import type { Modality } from '../models/classifiers/classifier.js';
import type { CheckedImage } from './image-bytes.js';
import { insertPredictionLog } from './logs-store.js';
import type { ServeMetrics } from './metrics.js';
import type { ModelSet } from './model-set.js';
import { type RankedClass, rankClasses } from './ranking.js';

/** One product as sent: raw seller strings and the checked image bytes. */
export interface PredictRequest {
  designation?: string | undefined;
  description?: string | undefined;
  image?: CheckedImage | undefined;
}

export interface PredictOptions {
  k: number;
  cumulative?: number | undefined;
}

export interface PredictAnswer {
  predictionId: number;
  predictions: RankedClass[];
  model: { name: string; version: string; kind: string };
  modality: 'text' | 'image' | 'both';
  latencyMs: number;
}

export interface PredictDeps {
  db: Database;
  models: ModelSet;
  metrics: ServeMetrics;
}

function modalityName(read: readonly Modality[]): PredictAnswer['modality'] {
  if (read.length === 2) return 'both';
  return read[0] === 'image' ? 'image' : 'text';
}

/** sha256 over the cleaned text and the image bytes: lets logs be grouped without storing either. */
function inputSha256(text: string, image: CheckedImage | undefined): string {
  return createHash('sha256').update(`text:${text}\nimage:${image?.sha256 ?? ''}`).digest('hex');
}

/**
 * Classifies products with the model that fits what each sent, and logs each prediction. The text
 * is cleaned exactly as in training (title . description). Products go to their model in one batch.
 */
export async function predictProducts(
  requests: readonly PredictRequest[],
  options: PredictOptions & { userId: number },
  deps: PredictDeps,
): Promise<PredictAnswer[]> {
  const started = performance.now();
  const prepared = requests.map((request, index) => {
    const text = joinProductText(request.designation ?? null, request.description ?? null);
    const sent: Modality[] = [...(text ? (['text'] as const) : []), ...(request.image ? (['image'] as const) : [])];
    if (sent.length === 0) {
      throw new InputError(
        'PREDICT_INPUT_EMPTY',
        `${requests.length > 1 ? `Product ${index}: ` : ''}send a non-empty designation, description or image.`,
      );
    }
    return { text, image: request.image, sent, key: sent.join('+') };
  });
  const answers: (PredictAnswer | undefined)[] = new Array(prepared.length);
  for (const key of new Set(prepared.map((p) => p.key))) {
    const group = prepared.map((p, i) => ({ p, i })).filter(({ p }) => p.key === key);
    const sent = group[0]?.p.sent ?? [];
    const done = await deps.models.use(sent, async (served) => {
      const reads = served.classifier.modalities;
      const read = sent.filter((m) => reads.includes(m));
      const probabilities = await served.classifier.predictProba(
        group.map(({ p }) => ({
          text: read.includes('text') ? p.text : null,
          image: read.includes('image') ? (p.image?.bytes ?? null) : null,
        })),
      );
      const latencyMs = Math.round((performance.now() - started) * 100) / 100;
      for (const [j, { p, i }] of group.entries()) {
        const row = probabilities[j];
        if (!row) throw new Error('the model returned fewer rows than products');
        const predictions = rankClasses(row, served.classifier.labels, options);
        const modality = modalityName(read);
        const predictionId = await insertPredictionLog(deps.db, {
          userId: options.userId,
          modelVersion: served.version,
          modality,
          topK: predictions,
          inputSha256: inputSha256(p.text, p.image),
          imageSha256: p.image?.sha256 ?? null,
          latencyMs,
        });
        deps.metrics.countPrediction(predictions[0]?.prdtypecode ?? -1, modality);
        answers[i] = {
          predictionId,
          predictions,
          model: { name: served.name, version: served.version, kind: served.classifier.kind },
          modality,
          latencyMs,
        };
      }
      return true;
    });
    if (!done) {
      throw new InputError('PREDICT_MODALITY_UNSUPPORTED', `No served model reads ${sent.join(' and ')}.`, {
        hint: 'Send what the served models read (see GET /ready), or serve a model for it.',
      });
    }
  }
  return answers.filter((a): a is PredictAnswer => a !== undefined);
}
