import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Database } from '../../data/index.js';
import { AuthError, ForbiddenError } from '../http-errors.js';
import { BEARER_SECURITY } from '../openapi-document.js';
import type { TokenSigner } from '../tokens.js';
import { findUserById, type PublicUser } from '../users-store.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller; set by the auth hook in the protected context only. */
    user: PublicUser | null;
  }
}

/**
 * Adds the bearer-token check to the context it is called in (the protected one: STYLE.md §2).
 * The user is read back on every request so that a disabled account's tokens stop working at once
 * and a changed role applies without a new login.
 */
export function installAuth(scope: FastifyInstance, deps: { db: Database; tokens: TokenSigner }): void {
  // The OpenAPI page marks exactly the routes behind this hook as needing the token.
  scope.addHook('onRoute', (route) => {
    route.schema = { ...route.schema, security: BEARER_SECURITY };
  });
  scope.addHook('onRequest', async (request) => {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) {
      throw new AuthError('AUTH_TOKEN_MISSING', 'This endpoint needs a bearer token.', {
        hint: 'Log in with POST /auth/login and send `Authorization: Bearer <token>`.',
      });
    }
    const userId = await deps.tokens.verify(match[1]);
    const user = await findUserById(deps.db, userId);
    if (!user || user.isDisabled) {
      throw new AuthError('AUTH_TOKEN_INVALID', 'The account of this token is disabled or deleted.');
    }
    request.user = user;
  });
}

/** The caller, inside the protected context. */
export function userOf(request: FastifyRequest): PublicUser {
  if (!request.user) throw new AuthError('AUTH_TOKEN_MISSING', 'This endpoint needs a bearer token.');
  return request.user;
}

export function requireAdmin(request: FastifyRequest): PublicUser {
  const user = userOf(request);
  if (user.role !== 'admin') throw new ForbiddenError('AUTH_FORBIDDEN', 'This endpoint is for admins only.');
  return user;
}
