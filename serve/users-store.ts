import { sql } from 'drizzle-orm';
import { ConflictError, InputError, NotFoundError } from '../core/index.js';
import type { Database } from '../data/index.js';
import { hashPassword } from './passwords.js';

export const ROLES = ['user', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** A user as the API shows it; never the password hash. */
export interface PublicUser {
  id: number;
  email: string;
  role: Role;
  isDisabled: boolean;
  createdAt: string;
}

interface UserRow extends Record<string, unknown> {
  id: number | string;
  email: string;
  role: string;
  is_disabled: number | string;
  created_at: string;
  password_hash: string | null;
}

const USER_COLUMNS = sql`id, email, role, is_disabled, created_at, password_hash`;

function toPublicUser(row: UserRow): PublicUser {
  return {
    id: Number(row.id),
    email: row.email,
    role: row.role === 'admin' ? 'admin' : 'user',
    isDisabled: Number(row.is_disabled) === 1,
    createdAt: row.created_at,
  };
}

/** Emails compare case-insensitively: `Seller@x.fr` and `seller@x.fr` are one account. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export interface CreateUserInput {
  email: string;
  password: string;
  role?: Role;
}

export const MIN_PASSWORD_LENGTH = 8;

/** Creates an account (argon2id hash); ConflictError USER_EMAIL_TAKEN if the email exists. */
export async function createUser(db: Database, input: CreateUserInput): Promise<PublicUser> {
  if (input.password.length < MIN_PASSWORD_LENGTH) {
    throw new InputError('SERVE_REQUEST_INVALID', `The password must have at least ${MIN_PASSWORD_LENGTH} characters.`);
  }
  const email = normaliseEmail(input.email);
  const passwordHash = await hashPassword(input.password);
  const rows = await db.transaction(async (tx) => {
    const existing = await tx.all(sql`SELECT id FROM users WHERE email = ${email}`);
    if (existing.length > 0) {
      throw new ConflictError('USER_EMAIL_TAKEN', `An account with the email ${email} already exists.`, {
        hint: 'Log in with POST /auth/login, or register another email.',
      });
    }
    return tx.all<UserRow>(sql`INSERT INTO users (email, role, password_hash, is_disabled, created_at)
      VALUES (${email}, ${input.role ?? 'user'}, ${passwordHash}, 0, ${new Date().toISOString()})
      RETURNING ${USER_COLUMNS}`);
  });
  const [row] = rows;
  if (!row) throw new Error('INSERT ... RETURNING gave no row');
  return toPublicUser(row);
}

/** The user and its password hash, for login. */
export async function findUserByEmail(db: Database, email: string): Promise<{ user: PublicUser; passwordHash: string | null } | undefined> {
  const [row] = await db.all<UserRow>(sql`SELECT ${USER_COLUMNS} FROM users WHERE email = ${normaliseEmail(email)}`);
  return row ? { user: toPublicUser(row), passwordHash: row.password_hash } : undefined;
}

export async function findUserById(db: Database, id: number): Promise<PublicUser | undefined> {
  const [row] = await db.all<UserRow>(sql`SELECT ${USER_COLUMNS} FROM users WHERE id = ${id}`);
  return row ? toPublicUser(row) : undefined;
}

export async function listUsers(db: Database, page: { limit: number; offset: number }): Promise<{ users: PublicUser[]; total: number }> {
  const rows = await db.all<UserRow>(sql`SELECT ${USER_COLUMNS} FROM users ORDER BY id LIMIT ${page.limit} OFFSET ${page.offset}`);
  const [count] = await db.all<{ n: number | string }>(sql`SELECT COUNT(*) AS n FROM users`);
  return { users: rows.map(toPublicUser), total: Number(count?.n ?? 0) };
}

/** Changes a role and/or the disabled flag; NotFoundError USER_NOT_FOUND if no such user. */
export async function updateUser(db: Database, id: number, change: { role?: Role; isDisabled?: boolean }): Promise<PublicUser> {
  return db.transaction(async (tx) => {
    const current = await findUserById(tx, id);
    if (!current) throw new NotFoundError('USER_NOT_FOUND', `No user with id ${id}.`);
    const role = change.role ?? current.role;
    const isDisabled = change.isDisabled ?? current.isDisabled;
    await tx.run(sql`UPDATE users SET role = ${role}, is_disabled = ${isDisabled ? 1 : 0} WHERE id = ${id}`);
    return { ...current, role, isDisabled };
  });
}
