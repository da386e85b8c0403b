/**
 * Typed errors written for the person who reads them. Each carries a stable code
 * (listed in docs/errors.md) so CI jobs, the CLI and the HTTP layer can map it.
 */
export const ERROR_CODES = [
  'CONFIG_INVALID',
  'ENGINE_BACKEND_UNAVAILABLE',
  'ENGINE_KERNEL_MISSING',
  'DATA_DIR_MISSING',
  'DATA_FILE_MISSING',
  'DATA_CSV_COLUMN_MISSING',
  'DATA_CSV_MALFORMED',
  'DATA_LABELS_MISMATCH',
  'DATA_SPLIT_INVALID',
  'DATA_NOTHING_TO_DO',
  'DATA_IMAGE_SIZE_INVALID',
  'BUNDLE_NOT_FOUND',
  'BUNDLE_CORRUPT',
  'IMAGE_UNREADABLE',
  'DB_UNREACHABLE',
  'DB_MIGRATION_FAILED',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorOptions {
  hint?: string;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  constructor(code: ErrorCode, message: string, opts: ErrorOptions = {}) {
    super(message, { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = opts.hint;
  }
}

/** The user's input (a flag, a file, a row) is wrong; exit code 2, HTTP 400. */
export class InputError extends AppError {}
/** Something named does not exist; exit code 3, HTTP 404. */
export class NotFoundError extends AppError {}
/** The request conflicts with the current state; HTTP 409. */
export class ConflictError extends AppError {}
/** A service we depend on (database, S3, MLflow, a backend) failed; exit code 4, HTTP 503. */
export class UpstreamError extends AppError {}

/** The readable message of any thrown value, for logs and wrapped errors. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
