import { errors, jwtVerify, SignJWT } from 'jose';
import { AuthError } from './http-errors.js';

const ALGORITHM = 'HS256';
const ISSUER = 'rakuten-ml';

export interface TokenSigner {
  sign(userId: number): Promise<{ token: string; expiresAt: string }>;
  /** The user id in a valid token; throws AuthError AUTH_TOKEN_INVALID otherwise. */
  verify(token: string): Promise<number>;
}

export function createTokenSigner(options: { secret: string; ttlSeconds: number; now?: () => Date }): TokenSigner {
  const key = new TextEncoder().encode(options.secret);
  const now = options.now ?? (() => new Date());
  return {
    sign: async (userId) => {
      const issuedAt = Math.floor(now().getTime() / 1000);
      const expiresAt = issuedAt + options.ttlSeconds;
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: ALGORITHM })
        .setSubject(String(userId))
        .setIssuer(ISSUER)
        .setIssuedAt(issuedAt)
        .setExpirationTime(expiresAt)
        .sign(key);
      return { token, expiresAt: new Date(expiresAt * 1000).toISOString() };
    },
    verify: async (token) => {
      try {
        // Pinning the algorithm refuses `alg: none` and key-confusion tokens; a token without an
        // expiry would be valid forever (issue #12), so exp and iat are required, as we sign them.
        const { payload } = await jwtVerify(token, key, {
          algorithms: [ALGORITHM],
          issuer: ISSUER,
          currentDate: now(),
          requiredClaims: ['exp', 'iat', 'sub'],
        });
        const userId = Number(payload.sub);
        if (!Number.isInteger(userId) || userId <= 0) throw new Error('token subject is not a user id');
        return userId;
      } catch (error: unknown) {
        const isExpired = error instanceof errors.JWTExpired;
        throw new AuthError('AUTH_TOKEN_INVALID', isExpired ? 'The token has expired.' : 'The token is not valid.', {
          hint: 'Log in again with POST /auth/login.',
          cause: error,
        });
      }
    },
  };
}
