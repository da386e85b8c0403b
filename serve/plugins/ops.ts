import type { FastifyPluginAsync } from 'fastify';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { messageOf } from '../../core/index.js';
import type { ApiDeps } from '../api-deps.js';
import { registerMonitorGauges } from '../monitor-gauges.js';
import { PROBLEM_RESPONSES, responseSchema } from '../schema.js';

const readySchema = z.object({
  status: z.enum(['ready', 'not ready']),
  database: z.enum(['ok', 'unreachable']),
  models: z.array(z.object({ slot: z.string(), name: z.string(), kind: z.string(), version: z.string(), modalities: z.array(z.string()) })),
});

/** /health (the process answers), /ready (database reachable and a model loaded), /metrics (Prometheus). */
export const opsPlugin: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  registerMonitorGauges(deps.metrics.registry, deps.db); // drift figures on /metrics (rakuten-ml monitor)
  app.get(
    '/health',
    {
      schema: { tags: ['ops'], summary: 'Liveness', response: { 200: responseSchema(z.object({ status: z.literal('ok') })), ...PROBLEM_RESPONSES } },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/ready',
    {
      schema: {
        tags: ['ops'],
        summary: 'Readiness: database reachable and a model loaded (503 otherwise)',
        response: { 200: responseSchema(readySchema), ...PROBLEM_RESPONSES, 503: responseSchema(readySchema) },
      },
    },
    async (request, reply) => {
      let isDatabaseUp = true;
      try {
        await deps.db.all(sql`SELECT 1 AS one`);
      } catch (error: unknown) {
        isDatabaseUp = false;
        request.log.warn({ error: messageOf(error) }, 'readiness: database unreachable');
      }
      const models = deps.models.list().map((m) => ({
        slot: m.slot,
        name: m.name,
        kind: m.classifier.kind,
        version: m.version,
        modalities: [...m.classifier.modalities],
      }));
      const isReady = isDatabaseUp && models.length > 0;
      return reply.code(isReady ? 200 : 503).send({
        status: isReady ? 'ready' : 'not ready',
        database: isDatabaseUp ? 'ok' : 'unreachable',
        models,
      });
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['ops'],
        summary: 'Prometheus metrics (text exposition format)',
        response: { 200: { description: 'The metrics', content: { 'text/plain': { schema: { type: 'string' } } } }, ...PROBLEM_RESPONSES },
      },
    },
    async (_request, reply) => {
      deps.metrics.setModels(deps.models.list());
      return reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
    },
  );
};
