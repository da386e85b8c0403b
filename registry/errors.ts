import { AppError } from '../core/index.js';

/**
 * A quality gate refused the change (a challenger that does not beat the champion by the margin);
 * the CLI maps it to exit code 5 so CI and retrain jobs can branch on it.
 */
export class GateFailedError extends AppError {}
