import path from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../../core/index.js';
import { printResult } from '../context.js';
import { openRegistry, type RegistryFlags } from '../registry-context.js';

interface MonitorFlags extends RegistryFlags {
  since: string;
  model: string;
  psi?: string;
  f1Drop?: string;
  confidenceDrop?: string;
  shareShift?: string;
  minSamples?: string;
}

const UNIT_MS: Record<string, number> = { h: 3600_000, d: 24 * 3600_000, w: 7 * 24 * 3600_000 };

/** `7d`, `36h`, `2w` or an ISO date. */
function parseSince(value: string, now: Date): Date {
  const match = /^(\d+)([hdw])$/.exec(value);
  if (match?.[1] && match[2]) return new Date(now.getTime() - Number(match[1]) * (UNIT_MS[match[2]] ?? 0));
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new InputError('CONFIG_INVALID', `--since "${value}" is neither a duration nor a date`, { hint: 'Use e.g. 7d, 36h, 2w or 2025-01-01.' });
  }
  return date;
}

function threshold(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InputError('CONFIG_INVALID', `--${flag} must be a non-negative number, got "${value}"`);
  return n;
}

export function registerMonitorCommand(program: Command): void {
  program
    .command('monitor')
    .description(
      'Compare recent predictions with the training data: predicted-class PSI, confidence, input drift of\n' +
        'the seller products added, live accuracy / weighted F1 on seller feedback. Writes\n' +
        '<home>/reports/monitor/<time>.json and .html; exits 5 when a threshold is crossed.',
    )
    .option('--since <window>', 'window start: 7d, 36h, 2w or a date', '7d')
    .option('--model <ref>', 'the model whose scores are the reference', 'rakuten@champion')
    .option('--psi <n>', 'PSI threshold (predicted classes, text length)', '0.2')
    .option('--f1-drop <n>', 'live weighted F1 drop vs the registered score', '0.05')
    .option('--confidence-drop <n>', 'mean confidence drop vs validation', '0.1')
    .option('--share-shift <n>', 'shift of the HTML / missing-image / unknown-token shares', '0.2')
    .option('--min-samples <n>', 'fewer samples than this: the check is skipped', '20')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<MonitorFlags>();
      const now = new Date();
      const since = parseSince(flags.since, now);
      const thresholds = Object.fromEntries(
        Object.entries({
          psi: threshold('psi', flags.psi),
          f1Drop: threshold('f1-drop', flags.f1Drop),
          confidenceDrop: threshold('confidence-drop', flags.confidenceDrop),
          shareShift: threshold('share-shift', flags.shareShift),
          minSamples: threshold('min-samples', flags.minSamples),
        }).filter(([, v]) => v !== undefined),
      );
      const { runMonitor, DriftDetectedError } = await import('../../pipelines/monitor.js');
      const registry = await openRegistry(flags);
      try {
        const result = await runMonitor(
          { since, until: now, modelRef: flags.model, reportsDir: path.join(registry.ctx.config.home, 'reports'), thresholds },
          registry.deps,
        );
        printResult(result, flags.json, () =>
          [
            ...result.checks.map((c) => `  ${c.isCrossed ? 'DRIFT' : c.skipped ? 'skip ' : 'ok   '} ${c.message}`),
            `report: ${result.reportHtml}`,
            result.summary,
          ].join('\n'),
        );
        if (result.isDrift) {
          throw new DriftDetectedError('MONITOR_DRIFT_DETECTED', result.summary, { hint: `See ${result.reportHtml}; retrain with \`rakuten-ml retrain\`.` });
        }
      } finally {
        await registry.close();
      }
    });
}
