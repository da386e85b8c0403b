/** What a long stage reports; the CLI decides how to draw it (bars only on a TTY). */
export interface Progress {
  stage: string;
  done: number;
  total: number;
  /** Short free text shown after the bar, e.g. "loss 1.23". */
  detail?: string;
}

export type ProgressListener = (progress: Progress) => void;
