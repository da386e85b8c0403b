import { z } from 'zod';
import { messageOf, UpstreamError } from '../core/index.js';

/*
 * A small client for the MLflow tracking server's REST API (2.0 paths, served by MLflow 2 and 3).
 * Responses are parsed with zod so a changed server answer fails loudly here, not later.
 */

const experimentSchema = z.object({ experiment: z.object({ experiment_id: z.string() }) });
const createExperimentSchema = z.object({ experiment_id: z.string() });
const runSchema = z.object({
  run: z.object({ info: z.object({ run_id: z.string(), artifact_uri: z.string() }) }),
});
const modelVersionSchema = z.object({ model_version: z.object({ name: z.string(), version: z.string() }) });
const searchVersionsSchema = z.object({
  model_versions: z
    .array(
      z.object({
        version: z.string(),
        tags: z.array(z.object({ key: z.string(), value: z.string() })).optional(),
      }),
    )
    .optional(),
});
const errorSchema = z.object({ error_code: z.string().optional(), message: z.string().optional() });

export type MlflowRun = z.infer<typeof runSchema>['run']['info'];

export interface MlflowMetric {
  key: string;
  value: number;
  step: number;
  timestamp: number;
}

export class MlflowClient {
  readonly trackingUri: string;
  readonly #timeoutMs: number;

  constructor(options: { trackingUri: string; timeoutMs?: number }) {
    this.trackingUri = options.trackingUri.replace(/\/+$/, '');
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  async #call<T>(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT',
    route: string,
    body: unknown,
    schema: z.ZodType<T>,
  ): Promise<T> {
    const isBytes = body instanceof Uint8Array;
    let response: Response;
    try {
      response = await fetch(`${this.trackingUri}${route}`, {
        method,
        headers: { 'content-type': isBytes ? 'application/octet-stream' : 'application/json' },
        ...(body === undefined ? {} : { body: isBytes ? body : JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error: unknown) {
      throw new UpstreamError(
        'MLFLOW_REQUEST_FAILED',
        `MLflow at ${this.trackingUri} did not answer ${method} ${route}: ${messageOf(error)}`,
        {
          hint: 'Check MLFLOW_TRACKING_URI and that the server runs; unset it to track only in the project database.',
          cause: error,
        },
      );
    }
    const text = await response.text();
    let json: unknown = {};
    try {
      json = text ? JSON.parse(text) : {};
    } catch (error: unknown) {
      throw new UpstreamError(
        'MLFLOW_REQUEST_FAILED',
        `MLflow ${method} ${route} answered non-JSON (${response.status}).`,
        { cause: error },
      );
    }
    if (!response.ok) {
      const detail = errorSchema.safeParse(json);
      const code = detail.success ? (detail.data.error_code ?? '') : '';
      throw new MlflowRequestError(
        code,
        `MLflow ${method} ${route} failed (${response.status} ${code}): ${detail.data?.message ?? text.slice(0, 200)}`,
      );
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new UpstreamError(
        'MLFLOW_REQUEST_FAILED',
        `MLflow ${method} ${route} answered an unexpected body: ${parsed.error.issues[0]?.message ?? ''}`,
      );
    }
    return parsed.data;
  }

  /** The experiment's id, created on first use. */
  async ensureExperiment(name: string): Promise<string> {
    try {
      const found = await this.#call(
        'GET',
        `/api/2.0/mlflow/experiments/get-by-name?experiment_name=${encodeURIComponent(name)}`,
        undefined,
        experimentSchema,
      );
      return found.experiment.experiment_id;
    } catch (error: unknown) {
      if (!(error instanceof MlflowRequestError && error.mlflowCode === 'RESOURCE_DOES_NOT_EXIST'))
        throw error;
    }
    return (await this.#call('POST', '/api/2.0/mlflow/experiments/create', { name }, createExperimentSchema))
      .experiment_id;
  }

  async createRun(input: {
    experimentId: string;
    runName: string;
    startTimeMs: number;
    tags: Record<string, string>;
  }): Promise<MlflowRun> {
    const tags = Object.entries(input.tags).map(([key, value]) => ({ key, value }));
    const body = {
      experiment_id: input.experimentId,
      run_name: input.runName,
      start_time: input.startTimeMs,
      tags,
    };
    return (await this.#call('POST', '/api/2.0/mlflow/runs/create', body, runSchema)).run.info;
  }

  /** Params, metrics and tags in one call (MLflow caps a batch at 1000 metrics, 100 params). */
  async logBatch(
    runId: string,
    batch: { params?: Record<string, string>; metrics?: MlflowMetric[]; tags?: Record<string, string> },
  ): Promise<void> {
    const pairs = (record: Record<string, string> | undefined) =>
      Object.entries(record ?? {}).map(([key, value]) => ({ key, value }));
    const metrics = batch.metrics ?? [];
    for (let start = 0; start === 0 || start < metrics.length; start += 1000) {
      const first = start === 0;
      await this.#call(
        'POST',
        '/api/2.0/mlflow/runs/log-batch',
        {
          run_id: runId,
          metrics: metrics.slice(start, start + 1000),
          params: first ? pairs(batch.params) : [],
          tags: first ? pairs(batch.tags) : [],
        },
        z.object({}),
      );
    }
  }

  async finishRun(runId: string, input: { status: 'FINISHED' | 'FAILED'; endTimeMs: number }): Promise<void> {
    await this.#call(
      'POST',
      '/api/2.0/mlflow/runs/update',
      { run_id: runId, status: input.status, end_time: input.endTimeMs },
      z.object({}),
    );
  }

  /**
   * Uploads one artifact through the server's artifact proxy (`mlflow server --serve-artifacts`), which
   * gives runs an artifact URI of the form mlflow-artifacts:/<experiment>/<run>/artifacts.
   */
  async uploadArtifact(run: MlflowRun, artifactPath: string, data: Uint8Array): Promise<void> {
    const match = /^mlflow-artifacts:(?:\/\/[^/]*)?\/(.+)$/.exec(run.artifact_uri);
    if (!match?.[1]) {
      throw new UpstreamError(
        'MLFLOW_REQUEST_FAILED',
        `MLflow run ${run.run_id} stores artifacts at ${run.artifact_uri}, not through the server.`,
        {
          hint: 'Start the MLflow server with --serve-artifacts (and --artifacts-destination).',
        },
      );
    }
    const route = `/api/2.0/mlflow-artifacts/artifacts/${match[1]}/${artifactPath.split('/').map(encodeURIComponent).join('/')}`;
    await this.#call('PUT', route, data, z.unknown());
  }

  async ensureRegisteredModel(name: string): Promise<void> {
    try {
      await this.#call('POST', '/api/2.0/mlflow/registered-models/create', { name }, z.unknown());
    } catch (error: unknown) {
      if (!(error instanceof MlflowRequestError && error.mlflowCode === 'RESOURCE_ALREADY_EXISTS'))
        throw error;
    }
  }

  /** Creates a model version; returns MLflow's version number (it may differ from ours). */
  async createModelVersion(input: {
    name: string;
    source: string;
    runId: string;
    tags: Record<string, string>;
  }): Promise<string> {
    const tags = Object.entries(input.tags).map(([key, value]) => ({ key, value }));
    const body = { name: input.name, source: input.source, run_id: input.runId, tags };
    return (await this.#call('POST', '/api/2.0/mlflow/model-versions/create', body, modelVersionSchema))
      .model_version.version;
  }

  /** MLflow's version of a model whose tag `key` equals `value`, if any. */
  async findModelVersionByTag(name: string, key: string, value: string): Promise<string | undefined> {
    const filter = encodeURIComponent(`name='${name.replace(/'/g, "''")}'`);
    const found = await this.#call(
      'GET',
      `/api/2.0/mlflow/model-versions/search?filter=${filter}&max_results=10000`,
      undefined,
      searchVersionsSchema,
    );
    return found.model_versions?.find((v) => v.tags?.some((t) => t.key === key && t.value === value))
      ?.version;
  }

  async setAlias(input: { name: string; alias: string; version: string }): Promise<void> {
    await this.#call('POST', '/api/2.0/mlflow/registered-models/alias', input, z.unknown());
  }

  async getAliasVersion(name: string, alias: string): Promise<string> {
    const route = `/api/2.0/mlflow/registered-models/alias?name=${encodeURIComponent(name)}&alias=${encodeURIComponent(alias)}`;
    return (await this.#call('GET', route, undefined, modelVersionSchema)).model_version.version;
  }

  async getRun(runId: string): Promise<MlflowRun> {
    return (
      await this.#call(
        'GET',
        `/api/2.0/mlflow/runs/get?run_id=${encodeURIComponent(runId)}`,
        undefined,
        runSchema,
      )
    ).run.info;
  }
}

/** An MLflow error answer, keeping its error_code (RESOURCE_ALREADY_EXISTS…) for callers that expect some. */
export class MlflowRequestError extends UpstreamError {
  readonly mlflowCode: string;
  constructor(mlflowCode: string, message: string) {
    super('MLFLOW_REQUEST_FAILED', message, { hint: 'Check MLFLOW_TRACKING_URI and the MLflow server log.' });
    this.mlflowCode = mlflowCode;
  }
}
