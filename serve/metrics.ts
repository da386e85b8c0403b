import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ServedModel } from './model-set.js';

export interface ServeMetrics {
  readonly registry: Registry;
  observeRequest(labels: { method: string; route: string; status: number }, seconds: number): void;
  countPrediction(prdtypecode: number, modality: string): void;
  setModels(models: readonly ServedModel[]): void;
}

/** A registry per app (not prom-client's global one), so several apps in one process stay apart. */
export function createServeMetrics(): ServeMetrics {
  const registry = new Registry();
  const requestSeconds = new Histogram({
    name: 'rakuten_http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const predictions = new Counter({
    name: 'rakuten_predictions_total',
    help: 'Predictions answered, by top-1 class and the modality the model read',
    labelNames: ['prdtypecode', 'modality'] as const,
    registers: [registry],
  });
  const modelInfo = new Gauge({
    name: 'rakuten_model_info',
    help: 'The served models (value 1): slot, name, kind and version',
    labelNames: ['slot', 'name', 'kind', 'version'] as const,
    registers: [registry],
  });
  return {
    registry,
    observeRequest: (labels, seconds) =>
      requestSeconds.observe({ method: labels.method, route: labels.route, status: String(labels.status) }, seconds),
    countPrediction: (prdtypecode, modality) => predictions.inc({ prdtypecode: String(prdtypecode), modality }),
    setModels: (models) => {
      modelInfo.reset();
      for (const m of models) modelInfo.set({ slot: m.slot, name: m.name, kind: m.classifier.kind, version: m.version }, 1);
    },
  };
}
