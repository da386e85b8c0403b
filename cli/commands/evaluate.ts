import path from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../../core/index.js';
import type { EvaluationMetrics } from '../../models/evaluation/index.js';
import { type CommandContext, type GlobalFlags, openContext, printResult } from '../context.js';

interface EvaluateFlags extends GlobalFlags {
  split: string;
  reportsDir?: string;
  x?: string;
  y?: string;
  images?: string;
}

export function registerEvaluateCommand(program: Command): void {
  program
    .command('evaluate')
    .description(
      'Score a trained bundle on a split, or on labelled files with --x/--y: accuracy, weighted/macro F1,\n' +
        'top-1/3/5, per-class scores, confusion matrix, calibration error; writes\n' +
        '<reports-dir>/<run>/report.json and report.html (default reports dir: <home>/reports).',
    )
    .argument('<bundle>', 'bundle directory written by `rakuten-ml train`')
    .option('--split <name>', 'train | validation | test', 'test')
    .option('--reports-dir <dir>', 'where report folders go (default <home>/reports)')
    .option('--x <file>', 'score this products CSV (official X format) instead of a split')
    .option('--y <file>', 'its labels (,prdtypecode), same index column as --x')
    .option('--images <dir>', 'with --x: folder of image_<imageid>_product_<productid>.jpg files')
    .action(async (bundle: string, _options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<EvaluateFlags>();
      const ctx = openContext(flags);
      // Everything generated goes under the home (issue #13), not the current folder.
      const reportsDir = path.resolve(flags.reportsDir ?? path.join(ctx.config.home, 'reports'));
      if (flags.x !== undefined || flags.y !== undefined) {
        await evaluateFiles(bundle, flags, ctx, reportsDir);
        return;
      }
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
          { bundleDir: path.resolve(bundle), split, reportsDir },
          { db, log: ctx.log },
        );
        printResult(result, flags.json, () => summaryLines(result.kind, result.split, result));
      } finally {
        await db.close();
      }
    });
}

function summaryLines(
  kind: string,
  dataset: string,
  result: { metrics: EvaluationMetrics; skippedProducts: number; reportHtml: string },
): string {
  const m = result.metrics;
  return [
    `${kind} on ${dataset} (${m.samples} products${result.skippedProducts ? `, ${result.skippedProducts} without its modality skipped` : ''})`,
    `accuracy ${m.accuracy.toFixed(4)}  weighted F1 ${m.weightedF1.toFixed(4)}  macro F1 ${m.macroF1.toFixed(4)}`,
    `top-1 ${m.topKAccuracy[1].toFixed(4)}  top-3 ${m.topKAccuracy[3].toFixed(4)}  top-5 ${m.topKAccuracy[5].toFixed(4)}  ECE ${m.expectedCalibrationError.toFixed(4)}`,
    `majority baseline: accuracy ${m.majorityBaseline.accuracy.toFixed(4)}, weighted F1 ${m.majorityBaseline.weightedF1.toFixed(4)}`,
    `report: ${result.reportHtml}`,
  ].join('\n');
}

/** `evaluate <bundle> --x X.csv --y Y.csv`: a labelled file outside the database; no database opened. */
async function evaluateFiles(bundle: string, flags: EvaluateFlags, ctx: CommandContext, reportsDir: string): Promise<void> {
  if (flags.x === undefined || flags.y === undefined) {
    throw new InputError('CONFIG_INVALID', '--x and --y go together: the products file and its labels.', {
      hint: 'rakuten-ml evaluate <bundle> --x X.csv --y Y.csv [--images <dir>]',
    });
  }
  const [{ useBackend }, { evaluateBundleOnFiles }] = await Promise.all([
    import('../../models/engine/index.js'),
    import('../../models/evaluate-files.js'),
  ]);
  await useBackend({ preference: ctx.config.engine.backend, threads: ctx.config.engine.threads });
  try {
    const result = await evaluateBundleOnFiles(
      {
        bundleDir: path.resolve(bundle),
        xCsv: path.resolve(flags.x),
        yCsv: path.resolve(flags.y),
        imageDir: flags.images ? path.resolve(flags.images) : undefined,
        reportsDir,
      },
      { log: ctx.log, onProgress: (p) => ctx.progress.update(p) },
    );
    ctx.progress.stop();
    printResult(result, flags.json, () => summaryLines(result.kind, result.dataset, result));
  } finally {
    ctx.progress.stop();
  }
}
