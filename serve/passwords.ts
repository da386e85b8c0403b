import { hash, verify } from '@node-rs/argon2';

// @node-rs/argon2 defaults to argon2id (OWASP: m=19 MiB, t=2, p=1), stored as a PHC string.
export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

export async function isPasswordValid(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    // A malformed stored hash is a failed login, not a crash: the account cannot log in with it.
    return false;
  }
}
