/** What a long stage reports; the CLI decides how to draw it (bars only on a TTY). */
export interface Progress {
  stage: string;
  done: number;
  total: number;
  /** Short free text shown after the bar, e.g. "loss 1.23". */
  detail?: string;
  /** Time since the whole task began, and the estimated time left for all of it, when known. */
  elapsedMs?: number;
  etaMs?: number;
  /** A line worth keeping in any log (an epoch's validation F1 and whether it improved). */
  note?: string;
}

export type ProgressListener = (progress: Progress) => void;
