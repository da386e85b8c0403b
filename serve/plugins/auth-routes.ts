import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { ApiDeps } from '../api-deps.js';
import { AuthError } from '../http-errors.js';
import { hashPassword, isPasswordValid } from '../passwords.js';
import { emailSchema, PROBLEM_RESPONSES, requestSchema, responseSchema } from '../schema.js';
import { createUser, findUserByEmail, MIN_PASSWORD_LENGTH, ROLES } from '../users-store.js';

const credentials = z.object({
  email: emailSchema,
  password: z.string().min(MIN_PASSWORD_LENGTH).max(1024),
});
type Credentials = z.infer<typeof credentials>;

export const publicUserSchema = z.object({
  id: z.number().int(),
  email: z.string(),
  role: z.enum(ROLES),
  isDisabled: z.boolean(),
  createdAt: z.string(),
});

const tokenSchema = z.object({
  token: z.string(),
  tokenType: z.literal('Bearer'),
  expiresAt: z.string(),
  user: publicUserSchema,
});

/** POST /auth/register and /auth/login: the only routes outside the protected context besides ops. */
export const authRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  // Verifying against a real hash when the email is unknown keeps login time from revealing accounts.
  let decoyHash: Promise<string> | undefined;

  app.post<{ Body: Credentials }>(
    '/auth/register',
    {
      schema: {
        tags: ['auth'],
        summary: 'Create a seller account (role user)',
        body: requestSchema(credentials),
        response: { 201: responseSchema(publicUserSchema), ...PROBLEM_RESPONSES },
      },
    },
    async (request, reply) => {
      const user = await createUser(deps.db, { email: request.body.email, password: request.body.password });
      request.log.info({ userId: user.id }, 'user registered');
      return reply.code(201).send(user);
    },
  );

  app.post<{ Body: Credentials }>(
    '/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Exchange email and password for a bearer token (HS256 JWT)',
        body: requestSchema(credentials),
        response: { 200: responseSchema(tokenSchema), ...PROBLEM_RESPONSES },
      },
    },
    async (request) => {
      const found = await findUserByEmail(deps.db, request.body.email);
      decoyHash ??= hashPassword('decoy-password-for-timing');
      const hash = found?.passwordHash ?? (await decoyHash);
      const isValid = await isPasswordValid(hash, request.body.password);
      if (!found?.passwordHash || !isValid || found.user.isDisabled) {
        throw new AuthError('AUTH_CREDENTIALS_INVALID', 'Wrong email or password, or the account is disabled.');
      }
      const { token, expiresAt } = await deps.tokens.sign(found.user.id);
      return { token, tokenType: 'Bearer' as const, expiresAt, user: found.user };
    },
  );
};
