import type { Command } from 'commander';
import { type GlobalFlags, openContext, printResult } from '../context.js';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'The whole journey on the embedded defaults with quick settings: import, clean, resize, split,\n' +
        'train (text, image, late fusion), evaluate, predict real products. Writes under --home.',
    )
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<GlobalFlags>();
      const ctx = openContext(flags);
      const { runDemo } = await import('../../pipelines/demo.js');
      const result = await runDemo(ctx.config, { log: ctx.log, onProgress: (p) => ctx.progress.update(p) });
      ctx.progress.stop();
      printResult(result, flags.json, () =>
        [
          ...result.steps.map((s) => `${s.step.padEnd(28)} ${s.seconds.toFixed(1).padStart(6)} s  ${s.summary}`),
          '',
          'Predictions of the late-fusion model on real test products:',
          ...result.predictions.map(
            (p) =>
              `  product ${p.productid} (${p.modality}, true ${p.trueCode})${p.text ? ` "${p.text}"` : ''}\n` +
              p.top3.map((t) => `      ${String(t.prdtypecode).padEnd(5)} ${t.name.padEnd(28)} ${(t.probability * 100).toFixed(1)}%`).join('\n'),
          ),
          '',
          `Everything is under ${result.home}. Reports:`,
          ...result.reports.map((r) => `  ${r}`),
        ].join('\n'),
      );
    });
}
