import type { LiveFigures } from '../serve/index.js';
import type { InputDrift } from './monitor-input.js';

// The monitor's types live here, below both monitor.ts and monitor-html.ts, so the report
// renderer does not import the module that calls it (issue #12, import circles).

export interface MonitorThresholds {
  /** Predicted-class PSI (and text-length PSI) above this is drift. */
  psi: number;
  /** Live weighted F1 this far below the model's registered score is drift. */
  f1Drop: number;
  /** Mean confidence this far below the model's own mean confidence on the validation split. */
  confidenceDrop: number;
  /** An input share (HTML, missing image, unknown tokens) moving this much from training is drift. */
  shareShift: number;
  /** Fewer predictions (or feedback, or seller products) than this: the check is skipped. */
  minSamples: number;
}

export interface MonitorInput {
  since: Date;
  /** Default now. */
  until?: Date;
  /** `rakuten@champion`, `rakuten@3` or a bundle folder: gives the reference scores. */
  modelRef: string;
  /** Reports go to `<reportsDir>/monitor/<time>.json|html`. */
  reportsDir: string;
  thresholds?: Partial<MonitorThresholds>;
}

export interface MonitorCheck {
  check: 'prediction_psi' | 'live_f1_drop' | 'confidence_drop' | 'text_length_psi' | 'html_share' | 'image_missing_share' | 'unknown_token_share';
  value: number | null;
  threshold: number;
  isCrossed: boolean;
  /** Why the check was skipped (too few samples), when it was. */
  skipped?: string;
  message: string;
}

export interface MonitorResult {
  model: { ref: string; name?: string; version?: number; registeredF1: number | null; expectedConfidence: number | null };
  window: { since: string; until: string };
  live: LiveFigures;
  input: InputDrift;
  checks: MonitorCheck[];
  isDrift: boolean;
  /** One line: what crossed its threshold, or that nothing did. */
  summary: string;
  reportJson: string;
  reportHtml: string;
}
