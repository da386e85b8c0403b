import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { ApiDeps } from '../api-deps.js';
import { listPredictionLogs } from '../logs-store.js';
import { type PageQuery, PROBLEM_RESPONSES, pageQuery, requestSchema, responseSchema } from '../schema.js';
import { requireAdmin, userOf } from './auth.js';

const logSchema = z.object({
  id: z.number().int(),
  userId: z.number().int().nullable(),
  modelVersion: z.string(),
  modality: z.string().nullable(),
  topK: z.array(z.object({ prdtypecode: z.number().int(), probability: z.number() })),
  inputSha256: z.string().nullable(),
  imageSha256: z.string().nullable(),
  predictedCode: z.number().int(),
  confidence: z.number(),
  latencyMs: z.number(),
  createdAt: z.string(),
});
const logPage = z.object({ logs: z.array(logSchema), total: z.number().int(), limit: z.number().int(), offset: z.number().int() });
const adminLogQuery = pageQuery.extend({ userId: z.coerce.number().int().positive().optional() });
type AdminLogQuery = z.infer<typeof adminLogQuery>;

/** GET /me/logs (own predictions) and GET /logs (admin: everyone's, or one user's). */
export const logsPlugin: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  app.get<{ Querystring: PageQuery }>(
    '/me/logs',
    {
      schema: {
        tags: ['logs'],
        summary: "The caller's predictions, newest first",
        querystring: requestSchema(pageQuery),
        response: { 200: responseSchema(logPage), ...PROBLEM_RESPONSES },
      },
    },
    async (request) => {
      const { limit, offset } = request.query;
      return { ...(await listPredictionLogs(deps.db, { userId: userOf(request).id, limit, offset })), limit, offset };
    },
  );

  app.get<{ Querystring: AdminLogQuery }>(
    '/logs',
    {
      schema: {
        tags: ['admin'],
        summary: 'All predictions, newest first (admin)',
        querystring: requestSchema(adminLogQuery),
        response: { 200: responseSchema(logPage), ...PROBLEM_RESPONSES },
      },
    },
    async (request) => {
      requireAdmin(request);
      const { limit, offset, userId } = request.query;
      return { ...(await listPredictionLogs(deps.db, { userId, limit, offset })), limit, offset };
    },
  );
};
