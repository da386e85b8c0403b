import { AppError } from '../core/index.js';

/** The caller is not authenticated: no token, a bad one, or wrong credentials; HTTP 401. */
export class AuthError extends AppError {}
/** The caller is authenticated but may not do this; HTTP 403. */
export class ForbiddenError extends AppError {}
