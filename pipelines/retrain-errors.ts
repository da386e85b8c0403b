import { AppError, messageOf } from '../core/index.js';

/** The steps of `rakuten-ml retrain`, in order. */
export const RETRAIN_STEPS = [
  'clean',
  'images',
  'split',
  'train',
  'record',
  'evaluate',
  'register',
  'gate',
  'push',
  'report',
  'promote',
] as const;
export type RetrainStep = (typeof RETRAIN_STEPS)[number];

/**
 * A retrain step failed. The champion is unchanged (promote is the last step and is one transaction);
 * `cause` holds the original error, so the CLI can pick its exit code.
 */
export class RetrainStepError extends AppError {
  readonly step: RetrainStep;
  constructor(step: RetrainStep, cause: unknown) {
    super('RETRAIN_STEP_FAILED', `Retrain failed at step "${step}": ${messageOf(cause)}. The champion is unchanged.`, {
      cause,
      hint:
        cause instanceof AppError && cause.hint
          ? cause.hint
          : 'Fix the cause and rerun `rakuten-ml retrain`: finished work (same data, same config) is reused.',
    });
    this.step = step;
  }
}
