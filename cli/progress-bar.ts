import cliProgress from 'cli-progress';
import type { Progress } from '../core/index.js';

export interface ProgressRenderer {
  update: (progress: Progress) => void;
  stop: () => void;
}

/** 45 s, 3m 12s, 1h 02m: short enough for a progress line. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

function timing(p: Progress): string {
  if (p.elapsedMs === undefined) return '';
  return ` | elapsed ${formatDuration(p.elapsedMs)}${p.etaMs === undefined ? '' : `, ETA ${formatDuration(p.etaMs)}`}`;
}

/**
 * Draws one bar per stage on a TTY; elsewhere prints a line every 10% so logs stay readable.
 * A progress note (an epoch's validation F1) is printed as its own line in both cases.
 */
export function createProgressRenderer(stream: NodeJS.WritableStream & { isTTY?: boolean }): ProgressRenderer {
  let bar: cliProgress.SingleBar | undefined;
  let stage = '';
  let lastDecile = -1;
  const stop = (): void => {
    bar?.stop();
    bar = undefined;
  };
  const update = (p: Progress): void => {
    if (p.note !== undefined) {
      stop();
      stage = '';
      stream.write(`${p.note}${timing(p)}\n`);
      return;
    }
    if (p.stage !== stage) {
      stop();
      stage = p.stage;
      lastDecile = -1;
      if (stream.isTTY) {
        bar = new cliProgress.SingleBar(
          {
            stream,
            format: `${p.stage.padEnd(14)} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted} {detail}`,
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(p.total, 0, { detail: '' });
      }
    }
    if (bar) {
      bar.setTotal(p.total);
      bar.update(p.done, { detail: p.detail ?? '' });
      return;
    }
    const decile = p.total > 0 ? Math.floor((p.done / p.total) * 10) : 10;
    if (decile !== lastDecile) {
      lastDecile = decile;
      stream.write(`${p.stage}: ${p.done}/${p.total}${p.detail ? ` ${p.detail}` : ''}${timing(p)}\n`);
    }
  };
  return { update, stop };
}
