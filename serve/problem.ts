import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ConflictError, type ErrorCode, InputError, NotFoundError, UpstreamError } from '../core/index.js';
import { AuthError, ForbiddenError } from './http-errors.js';

/** RFC 9457 problem details, as every error response carries them. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  instance: string;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

// Codes whose status differs from their class's (all InputErrors are 400 otherwise).
const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  SERVE_PAYLOAD_TOO_LARGE: 413,
  SERVE_MEDIA_TYPE_UNSUPPORTED: 415,
  IMAGE_TYPE_UNSUPPORTED: 415,
  SERVE_RATE_LIMITED: 429,
  SERVE_METHOD_NOT_ALLOWED: 405,
  PREDICT_MODALITY_UNSUPPORTED: 422,
};

function statusOfAppError(error: AppError): number {
  const byCode = STATUS_BY_CODE[error.code];
  if (byCode !== undefined) return byCode;
  if (error instanceof AuthError) return 401;
  if (error instanceof ForbiddenError) return 403;
  if (error instanceof NotFoundError) return 404;
  if (error instanceof ConflictError) return 409;
  if (error instanceof UpstreamError) return 503;
  if (error instanceof InputError) return 400;
  return 500;
}

function clientStatusOf(error: unknown): number | undefined {
  if (!(error instanceof Error) || !('statusCode' in error) || typeof error.statusCode !== 'number') return undefined;
  return error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : undefined;
}

// Fastify's and its plugins' own 4xx errors (schema validation, JSON syntax, body and file limits,
// media type, rate limit) carry a statusCode; their messages name the field, never internals.
function codeOfClientStatus(status: number): ErrorCode {
  if (status === 413) return 'SERVE_PAYLOAD_TOO_LARGE';
  if (status === 415) return 'SERVE_MEDIA_TYPE_UNSUPPORTED';
  if (status === 429) return 'SERVE_RATE_LIMITED';
  if (status === 404) return 'SERVE_ROUTE_NOT_FOUND';
  return 'SERVE_REQUEST_INVALID';
}

function toProblem(error: unknown, instance: string): Problem {
  const make = (status: number, code: ErrorCode, detail: string): Problem => ({
    type: `https://rakuten-ml.dev/problems/${code.toLowerCase().replaceAll('_', '-')}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    code,
    instance,
  });
  if (error instanceof AppError) {
    const status = statusOfAppError(error);
    if (status >= 500 && !(error instanceof UpstreamError)) {
      return make(500, 'SERVE_INTERNAL', 'Something went wrong on our side; the request id is in `instance`.');
    }
    return make(status, error.code, error.hint ? `${error.message} ${error.hint}` : error.message);
  }
  const clientStatus = clientStatusOf(error);
  if (clientStatus !== undefined && error instanceof Error) {
    const isJsonSyntax = ('code' in error && error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') || error instanceof SyntaxError;
    return make(clientStatus, codeOfClientStatus(clientStatus), isJsonSyntax ? 'The body is not valid JSON.' : error.message);
  }
  return make(500, 'SERVE_INTERNAL', 'Something went wrong on our side; the request id is in `instance`.');
}

export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply.code(problem.status).type('application/problem+json').send(problem);
}

/** The one error handler (STYLE.md §5): problem+json, no stack or internals; 5xx logged in full. */
export function installProblemHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const problem = toProblem(error, request.id);
    if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: problem.code, status: problem.status }, 'request refused');
    return sendProblem(reply, problem);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, toProblem(new NotFoundError('SERVE_ROUTE_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}.`, { hint: 'See /docs for the API.' }), request.id)),
  );
}
