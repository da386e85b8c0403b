import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgressRenderer, formatDuration } from './progress-bar.js';

/** A non-TTY stream that keeps what was written, as a log file would. */
function logStream(): { stream: Writable & { isTTY: boolean }; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream: Object.assign(stream, { isTTY: false }), text: () => text };
}

describe('progress in logs (no TTY)', () => {
  it('names the stage, shows elapsed time and ETA every 10%, and prints epoch notes as their own lines', () => {
    const { stream, text } = logStream();
    const progress = createProgressRenderer(stream);
    for (let done = 1; done <= 20; done++) {
      progress.update({ stage: 'lstm epoch 1/8', done, total: 20, detail: 'loss 1.234', elapsedMs: done * 3000, etaMs: (160 - done) * 3000 });
    }
    progress.update({
      stage: 'lstm epoch 1/8',
      done: 20,
      total: 20,
      elapsedMs: 60_000,
      etaMs: 420_000,
      note: 'lstm epoch 1/8 done in 60 s: loss 1.100, validation weighted F1 0.7312, first epoch',
    });
    const lines = text().trim().split('\n');
    expect(lines).toContain('lstm epoch 1/8: 2/20 loss 1.234 | elapsed 6 s, ETA 7m 54s');
    expect(lines.filter((l) => l.startsWith('lstm epoch 1/8: ')).length).toBe(11);
    expect(lines.at(-1)).toBe('lstm epoch 1/8 done in 60 s: loss 1.100, validation weighted F1 0.7312, first epoch | elapsed 1m 00s, ETA 7m 00s');
  });

  it('formats durations short', () => {
    expect(formatDuration(45_400)).toBe('45 s');
    expect(formatDuration(192_000)).toBe('3m 12s');
    expect(formatDuration(3_720_000)).toBe('1h 02m');
  });
});
