import type { model_aliases, model_versions, run_metrics, runs } from '../data/db/schema-sqlite.js';

// The registry's record types sit below runs.ts, versions.ts and mlflow-tracking.ts, so the MLflow
// mirror does not import the modules that call it (issue #12, import circles).

export type RunRow = typeof runs.$inferSelect;
export type RunMetricPoint = Omit<typeof run_metrics.$inferSelect, 'run_id'>;
export type ParamValue = string | number | boolean;

/** A tracked run, with its JSON columns parsed. */
export type RunRecord = Omit<RunRow, 'params' | 'metrics' | 'tags'> & {
  experiment: string;
  params: Record<string, ParamValue>;
  metrics: Record<string, number>;
  tags: Record<string, string>;
};

export type ModelVersion = typeof model_versions.$inferSelect;
export type ModelAlias = typeof model_aliases.$inferSelect;
