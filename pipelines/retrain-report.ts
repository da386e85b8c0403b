import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RetrainStep } from './retrain-errors.js';

/** What a retrain decided once the challenger and the champion were scored on the same split. */
export type RetrainDecision =
  | 'promote' // the challenger beat the champion (or there was none): it becomes champion
  | 'keep-champion' // the gate refused: the challenger stays `challenger`
  | 'unchanged' // same data and config as the current champion: nothing new to do
  | 'dry-run'; // --dry-run: everything but push and promote

export interface SameDataGate {
  isPassed: boolean;
  split: string;
  challengerF1: number;
  /** The champion re-scored now on the same split; null when there is no champion. */
  championF1: number | null;
  marginF1: number;
  reason: string;
}

/** Passes when there is no champion, or the challenger's weighted F1 beats it by the margin. */
export function sameDataGate(input: {
  split: string;
  challengerF1: number;
  championF1: number | null;
  marginF1: number;
}): SameDataGate {
  if (input.championF1 === null) return { ...input, isPassed: true, reason: 'no champion yet' };
  const gain = input.challengerF1 - input.championF1;
  const isPassed = gain + 1e-9 >= input.marginF1;
  const verdict = isPassed ? '>=' : '<';
  return {
    ...input,
    isPassed,
    reason: `weighted F1 on ${input.split}: ${input.challengerF1.toFixed(4)} vs champion ${input.championF1.toFixed(4)} (gain ${gain.toFixed(4)} ${verdict} margin ${input.marginF1})`,
  };
}

export interface StepTiming {
  step: RetrainStep;
  seconds: number;
}

/** `<reportsDir>/<time>.json`, written atomically. */
export async function writeRetrainReport(reportsDir: string, startedAt: Date, report: unknown): Promise<string> {
  await mkdir(reportsDir, { recursive: true });
  const file = path.join(reportsDir, `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(`${file}.tmp`, `${JSON.stringify(report, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
  return file;
}
