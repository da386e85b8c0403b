import type { Command } from 'commander';
import { type GlobalFlags, openContext, printResult } from '../context.js';

/** Says plainly whether the example is right, and how it was picked. */
function verdictOf(p: { isCorrect: boolean; tried: number; modality: string }): string {
  if (!p.isCorrect) return `WRONG: none of the ${p.tried} ${p.modality} test products tried was right; the first is shown`;
  return p.tried === 1
    ? 'right (the first test product tried)'
    : `right (the ${p.tried - 1} ${p.modality} test product${p.tried === 2 ? '' : 's'} tried before it ${p.tried === 2 ? 'was' : 'were'} wrong)`;
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'The whole journey on the embedded defaults with quick settings: import, clean, resize, split,\n' +
        'train (text, image, late fusion), evaluate, register + promote, serve rakuten@champion on a\n' +
        'local port, sign a seller up and predict real products over HTTP, monitor. Writes under --home.',
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
          `Champion: ${result.champion.name} v${result.champion.version} (${result.champion.promotion})`,
          `Served at ${result.server.url} (stopped); seller ${result.server.email} signed up through the API.`,
          '',
          `Predictions over HTTP by ${result.server.model.name} v${result.server.model.version} (${result.server.model.kind}) on real test products:`,
          ...result.predictions.map(
            (p) =>
              `  product ${p.productid} (${p.modality}, true ${p.trueCode})${p.text ? ` "${p.text}"` : ''}\n` +
              `      ${verdictOf(p)}\n` +
              p.top3.map((t) => `      ${String(t.prdtypecode).padEnd(5)} ${t.name.padEnd(28)} ${(t.probability * 100).toFixed(1)}%`).join('\n'),
          ),
          '',
          `Monitor: ${result.monitor.summary}`,
          // Say what was compared, so a DRIFT line here reads as a finding and not as a demo failure.
          '  (the predictions made over HTTP above vs the class mix of the train split; `rakuten-ml monitor` exits 5 on drift, the demo only reports it)',
          '',
          `Everything is under ${result.home}. Reports:`,
          ...result.reports.map((r) => `  ${r}`),
        ].join('\n'),
      );
    });
}
