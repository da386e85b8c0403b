import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { InputError } from '../../core/index.js';
import type { ApiDeps } from '../api-deps.js';
import { type IdParams, idParams, type PageQuery, PROBLEM_RESPONSES, pageQuery, requestSchema, responseSchema } from '../schema.js';
import { listUsers, ROLES, updateUser } from '../users-store.js';
import { requireAdmin, userOf } from './auth.js';
import { publicUserSchema } from './auth-routes.js';

const userChange = z.object({ role: z.enum(ROLES).optional(), isDisabled: z.boolean().optional() });
type UserChange = z.infer<typeof userChange>;

const userList = z.object({ users: z.array(publicUserSchema), total: z.number().int(), limit: z.number().int(), offset: z.number().int() });

/** GET /me, and the admin's user management: list, change a role, disable. */
export const usersPlugin: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  app.get(
    '/me',
    { schema: { tags: ['users'], summary: 'The caller', response: { 200: responseSchema(publicUserSchema), ...PROBLEM_RESPONSES } } },
    async (request) => userOf(request),
  );

  app.get<{ Querystring: PageQuery }>(
    '/users',
    {
      schema: {
        tags: ['admin'],
        summary: 'List users (admin)',
        querystring: requestSchema(pageQuery),
        response: { 200: responseSchema(userList), ...PROBLEM_RESPONSES },
      },
    },
    async (request) => {
      requireAdmin(request);
      const { limit, offset } = request.query;
      return { ...(await listUsers(deps.db, { limit, offset })), limit, offset };
    },
  );

  app.patch<{ Params: IdParams; Body: UserChange }>(
    '/users/:id',
    {
      schema: {
        tags: ['admin'],
        summary: "Change a user's role or disable/enable it (admin); a disabled user's tokens stop working",
        params: requestSchema(idParams),
        body: requestSchema(userChange),
        response: { 200: responseSchema(publicUserSchema), ...PROBLEM_RESPONSES },
      },
    },
    async (request) => {
      const admin = requireAdmin(request);
      const { role, isDisabled } = request.body;
      // An admin locking themselves out would leave the server without one; another admin can.
      if (request.params.id === admin.id && (role === 'user' || isDisabled === true)) {
        throw new InputError('SERVE_REQUEST_INVALID', 'An admin cannot demote or disable their own account.');
      }
      const user = await updateUser(deps.db, request.params.id, { role, isDisabled });
      request.log.info({ userId: user.id, role: user.role, isDisabled: user.isDisabled, by: admin.id }, 'user changed');
      return user;
    },
  );
};
