import path from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../../core/index.js';
import { type GlobalFlags, openContext, printResult } from '../context.js';

interface EvaluateFlags extends GlobalFlags {
  split: string;
  reportsDir: string;
}

export function registerEvaluateCommand(program: Command): void {
  program
    .command('evaluate')
    .description(
      'Score a trained bundle on a split: accuracy, weighted/macro F1, top-1/3/5, per-class scores,\n' +
        'confusion matrix, calibration error; writes <reports-dir>/<run>/report.json and report.html.',
    )
    .argument('<bundle>', 'bundle directory written by `rakuten-ml train`')
    .option('--split <name>', 'train | validation | test', 'test')
    .option('--reports-dir <dir>', 'where report folders go', 'reports')
    .action(async (bundle: string, _options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<EvaluateFlags>();
      const ctx = openContext(flags);
      const { SPLIT_NAMES, openDatabase } = await import('../../data/index.js');
      const split = SPLIT_NAMES.find((s) => s === flags.split);
      if (!split) throw new InputError('CONFIG_INVALID', `Unknown split "${flags.split}"`, { hint: `Use ${SPLIT_NAMES.join(', ')}.` });
      const [{ useBackend }, { evaluateBundle }] = await Promise.all([
        import('../../models/engine/index.js'),
        import('../../models/evaluate.js'),
      ]);
      await useBackend({ preference: ctx.config.engine.backend, threads: ctx.config.engine.threads });
      const db = await openDatabase({ home: ctx.config.home, databaseUrl: ctx.config.databaseUrl });
      try {
        const result = await evaluateBundle(
          { bundleDir: path.resolve(bundle), split, reportsDir: path.resolve(flags.reportsDir) },
          { db, log: ctx.log },
        );
        const m = result.metrics;
        printResult(result, flags.json, () =>
          [
            `${result.kind} on ${result.split} (${m.samples} products${result.skippedProducts ? `, ${result.skippedProducts} without its modality skipped` : ''})`,
            `accuracy ${m.accuracy.toFixed(4)}  weighted F1 ${m.weightedF1.toFixed(4)}  macro F1 ${m.macroF1.toFixed(4)}`,
            `top-1 ${m.topKAccuracy[1].toFixed(4)}  top-3 ${m.topKAccuracy[3].toFixed(4)}  top-5 ${m.topKAccuracy[5].toFixed(4)}  ECE ${m.expectedCalibrationError.toFixed(4)}`,
            `majority baseline: accuracy ${m.majorityBaseline.accuracy.toFixed(4)}, weighted F1 ${m.majorityBaseline.weightedF1.toFixed(4)}`,
            `report: ${result.reportHtml}`,
          ].join('\n'),
        );
      } finally {
        await db.close();
      }
    });
}
