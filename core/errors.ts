/**
 * Typed errors written for the person who reads them. Each carries a stable code
 * (listed in docs/errors.md) so CI jobs, the CLI and the HTTP layer can map it.
 */
export const ERROR_CODES = [
  'CONFIG_INVALID',
  'ENGINE_BACKEND_UNAVAILABLE',
  'ENGINE_KERNEL_MISSING',
  'ENGINE_PLATFORM_UNSUPPORTED',
  'ENGINE_TOOL_MISSING',
  'ENGINE_NODE_HEADERS_MISSING',
  'ENGINE_WHEEL_UNREACHABLE',
  'ENGINE_WHEEL_NOT_FOUND',
  'ENGINE_WHEEL_INVALID',
  'ENGINE_BUILD_FAILED',
  'ENGINE_VERIFY_FAILED',
  'DATA_DIR_MISSING',
  'DATA_FILE_MISSING',
  'DATA_CSV_COLUMN_MISSING',
  'DATA_CSV_MALFORMED',
  'DATA_LABELS_MISMATCH',
  'DATA_LABEL_UNKNOWN',
  'DATA_CSV_DELIMITER',
  'DOCTOR_CHECK_FAILED',
  'DATA_SPLIT_INVALID',
  'DATA_NOTHING_TO_DO',
  'DATA_IMAGE_SIZE_INVALID',
  'BUNDLE_NOT_FOUND',
  'BUNDLE_CORRUPT',
  'TRAIN_CHECKPOINT_NOT_FOUND',
  'TRAIN_CHECKPOINT_INVALID',
  'IMAGE_UNREADABLE',
  'BACKBONE_INVALID',
  'DB_UNREACHABLE',
  'DB_MIGRATION_FAILED',
  'RUN_NOT_FOUND',
  'REGISTRY_REF_INVALID',
  'REGISTRY_MODEL_NOT_FOUND',
  'REGISTRY_VERSION_NOT_FOUND',
  'REGISTRY_ALIAS_NOT_SET',
  'REGISTRY_GATE_FAILED',
  'REGISTRY_GATE_INCOMPARABLE',
  'REGISTRY_NO_PREVIOUS_CHAMPION',
  'STORE_NOT_PUSHED',
  'STORE_OBJECT_CORRUPT',
  'STORE_UNREACHABLE',
  'STORE_TARGET_EXISTS',
  'MLFLOW_REQUEST_FAILED',
  // serve (HTTP API)
  'AUTH_TOKEN_MISSING',
  'AUTH_TOKEN_INVALID',
  'AUTH_CREDENTIALS_INVALID',
  'AUTH_FORBIDDEN',
  'AUTH_SECRET_MISSING',
  'USER_EMAIL_TAKEN',
  'USER_NOT_FOUND',
  'PREDICT_INPUT_EMPTY',
  'PREDICT_MODALITY_UNSUPPORTED',
  'PREDICTION_NOT_FOUND',
  'PRODUCT_NOT_FOUND',
  'PRODUCT_INPUT_EMPTY',
  'CATEGORY_UNKNOWN',
  'IMAGE_TYPE_UNSUPPORTED',
  'SERVE_REQUEST_INVALID',
  'SERVE_PAYLOAD_TOO_LARGE',
  'SERVE_MEDIA_TYPE_UNSUPPORTED',
  'SERVE_RATE_LIMITED',
  'SERVE_ROUTE_NOT_FOUND',
  'SERVE_METHOD_NOT_ALLOWED',
  'SERVE_MODEL_UNAVAILABLE',
  'SERVE_INTERNAL',
  // pipelines (retrain, monitor)
  'RETRAIN_LOCKED',
  'RETRAIN_STEP_FAILED',
  'MONITOR_DRIFT_DETECTED',
  // predict / evaluate on files
  'EVALUATE_LABELS_MISMATCH',
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
