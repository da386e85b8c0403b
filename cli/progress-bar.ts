import cliProgress from 'cli-progress';
import type { Progress } from '../core/index.js';

export interface ProgressRenderer {
  update: (progress: Progress) => void;
  stop: () => void;
}

/** Draws one bar per stage on a TTY; elsewhere prints a line every 10% so logs stay readable. */
export function createProgressRenderer(stream: NodeJS.WriteStream): ProgressRenderer {
  let bar: cliProgress.SingleBar | undefined;
  let stage = '';
  let lastDecile = -1;
  const stop = (): void => {
    bar?.stop();
    bar = undefined;
  };
  const update = (p: Progress): void => {
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
      stream.write(`${p.stage}: ${p.done}/${p.total}${p.detail ? ` ${p.detail}` : ''}\n`);
    }
  };
  return { update, stop };
}
