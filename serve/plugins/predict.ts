import multipart from '@fastify/multipart';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { ApiDeps } from '../api-deps.js';
import { readMultipartBody } from '../body-checks.js';
import { readUploadedImage } from '../image-bytes.js';
import { predictProducts } from '../predict-service.js';
import {
  type BatchBody,
  batchSchema,
  multipartOptions,
  type PredictQuery,
  predictAnswerSchema,
  predictQuery,
  productInputSchema,
  type ProductInputBody,
  singleBodyLimit,
} from '../predict-schemas.js';
import { PROBLEM_RESPONSES, requestSchema, responseSchema } from '../schema.js';
import { userOf } from './auth.js';

// A batch answers every product or none; its body may hold several images.
const BATCH_BODY_LIMIT = 64 * 1024 * 1024;

/** POST /predict (JSON or multipart) and POST /predict/batch (JSON). */
export const predictPlugin: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  const { config } = deps;
  await app.register(multipart, multipartOptions(config));
  app.addHook('preValidation', (request) => readMultipartBody(request, config));
  const toRequest = (body: ProductInputBody, field: string) => ({
    designation: body.designation,
    description: body.description,
    image: readUploadedImage(body.image, config.maxImageBytes, field),
  });

  app.post<{ Body: ProductInputBody; Querystring: PredictQuery }>(
    '/predict',
    {
      bodyLimit: singleBodyLimit(config),
      schema: {
        tags: ['predict'],
        summary: 'Top-k categories for one product: designation, description, image (any non-empty subset)',
        consumes: ['application/json', 'multipart/form-data'],
        querystring: requestSchema(predictQuery),
        body: requestSchema(productInputSchema(config)),
        response: { 200: responseSchema(predictAnswerSchema), ...PROBLEM_RESPONSES },
      },
    },
    async (request) => {
      const user = userOf(request);
      const [answer] = await predictProducts([toRequest(request.body, 'image')], { ...request.query, userId: user.id }, deps);
      return answer;
    },
  );

  app.post<{ Body: BatchBody; Querystring: PredictQuery }>(
    '/predict/batch',
    {
      bodyLimit: BATCH_BODY_LIMIT,
      schema: {
        tags: ['predict'],
        summary: `Top-k categories for up to ${config.maxBatchItems} products (JSON, images base64)`,
        querystring: requestSchema(predictQuery),
        body: requestSchema(batchSchema(config)),
        response: { 200: responseSchema(z.object({ results: z.array(predictAnswerSchema) })), ...PROBLEM_RESPONSES },
      },
    },
    async (request) => {
      const user = userOf(request);
      const requests = request.body.products.map((p, i) => toRequest(p, `products[${i}].image`));
      return { results: await predictProducts(requests, { ...request.query, userId: user.id }, deps) };
    },
  );
};
