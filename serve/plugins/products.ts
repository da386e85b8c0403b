import multipart from '@fastify/multipart';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { InputError } from '../../core/index.js';
import type { ApiDeps } from '../api-deps.js';
import { readMultipartBody } from '../body-checks.js';
import { recordFeedback } from '../feedback-store.js';
import { readUploadedImage } from '../image-bytes.js';
import { multipartOptions, singleBodyLimit } from '../predict-schemas.js';
import { deleteSellerProduct, insertSellerProduct, listProducts, storeImage } from '../products-store.js';
import { type IdParams, idParams, PROBLEM_RESPONSES, pageQuery, requestSchema, responseSchema } from '../schema.js';
import { userOf } from './auth.js';

const productSchema = z.object({
  productid: z.number().int(),
  designation: z.string().nullable(),
  description: z.string().nullable(),
  prdtypecode: z.number().int().nullable(),
  imageSha256: z.string().nullable(),
  imageType: z.string().nullable(),
  ownerUserId: z.number().int().nullable(),
  source: z.string(),
  createdAt: z.string(),
});
const productList = z.object({ products: z.array(productSchema), total: z.number().int(), limit: z.number().int(), offset: z.number().int() });
const productsQuery = pageQuery.extend({ all: z.coerce.boolean().optional().describe('admin: every seller product') });
type ProductsQuery = z.infer<typeof productsQuery>;

const feedbackResult = z.object({
  feedbackId: z.number().int(),
  predictionId: z.number().int(),
  prdtypecode: z.number().int(),
  wasPredictionRight: z.boolean(),
  product: productSchema,
});

/** Seller products (add, list, delete) and feedback on predictions, which labels products for retraining. */
export const productsPlugin: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  const { config, db } = deps;
  await app.register(multipart, multipartOptions(config));
  app.addHook('preValidation', (request) => readMultipartBody(request, config));
  const text = z.string().max(config.maxTextChars);
  const newProduct = z.object({
    designation: text.optional(),
    description: text.optional(),
    image: z.unknown().optional().describe('JPEG/PNG/WebP/GIF: base64 in JSON, a file part in multipart'),
    prdtypecode: z.coerce.number().int().optional().describe('the category, when the seller already chose one'),
  });
  const feedback = z.object({
    prdtypecode: z.number().int(),
    comment: z.string().max(2000).optional(),
    productid: z.number().int().positive().optional(),
    designation: text.optional(),
    description: text.optional(),
  });

  app.post<{ Body: z.infer<typeof newProduct> }>(
    '/products',
    {
      bodyLimit: singleBodyLimit(config),
      schema: {
        tags: ['products'],
        summary: 'Add a product (designation and/or description, optional image and category)',
        consumes: ['application/json', 'multipart/form-data'],
        body: requestSchema(newProduct),
        response: { 201: responseSchema(productSchema), ...PROBLEM_RESPONSES },
      },
    },
    async (request, reply) => {
      const user = userOf(request);
      const { designation, description, prdtypecode } = request.body;
      const image = readUploadedImage(request.body.image, config.maxImageBytes);
      if (!designation?.trim() && !description?.trim()) {
        throw new InputError('PRODUCT_INPUT_EMPTY', 'A product needs a designation or a description.', {
          hint: 'Send designation and/or description with text in it; an image alone is not a product.',
        });
      }
      const imagePath = image ? await storeImage(config.uploadsDir, image) : null;
      const product = await insertSellerProduct(db, {
        ownerUserId: user.id,
        designation: designation ?? null,
        description: description ?? null,
        prdtypecode: prdtypecode ?? null,
        image: image && imagePath ? { path: imagePath, sha256: image.sha256, type: image.type } : null,
      });
      return reply.code(201).send(product);
    },
  );

  app.get<{ Querystring: ProductsQuery }>(
    '/products',
    {
      schema: {
        tags: ['products'],
        summary: "The caller's products (admin with all=true: every seller product)",
        querystring: requestSchema(productsQuery),
        response: { 200: responseSchema(productList), ...PROBLEM_RESPONSES },
      },
    },
    async (request) => {
      const user = userOf(request);
      const { limit, offset, all } = request.query;
      const ownerUserId = all === true && user.role === 'admin' ? undefined : user.id;
      return { ...(await listProducts(db, { ownerUserId, limit, offset })), limit, offset };
    },
  );

  app.delete<{ Params: IdParams }>(
    '/products/:id',
    {
      schema: {
        tags: ['products'],
        summary: 'Delete a product (its owner or an admin)',
        params: requestSchema(idParams),
        response: { 204: { type: 'null' }, ...PROBLEM_RESPONSES },
      },
    },
    async (request, reply) => {
      const user = userOf(request);
      await deleteSellerProduct(db, request.params.id, { userId: user.id, isAdmin: user.role === 'admin' });
      return reply.code(204).send();
    },
  );

  app.post<{ Params: IdParams; Body: z.infer<typeof feedback> }>(
    '/predictions/:id/feedback',
    {
      schema: {
        tags: ['products'],
        summary: 'The category the seller finally chose: labels the product for the next retrain',
        params: requestSchema(idParams),
        body: requestSchema(feedback),
        response: { 201: responseSchema(feedbackResult), ...PROBLEM_RESPONSES },
      },
    },
    async (request, reply) => {
      const user = userOf(request);
      const result = await recordFeedback(db, { ...request.body, predictionId: request.params.id, userId: user.id });
      return reply.code(201).send(result);
    },
  );
};
