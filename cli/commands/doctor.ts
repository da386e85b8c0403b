import type { Command } from 'commander';
import { type GlobalFlags, openContext, printResult } from '../context.js';

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('Check the setup: compute backend and why, versions, threads, data directory, database.')
    .action(async (_flags: unknown, command: Command) => {
      const flags = command.optsWithGlobals<GlobalFlags>();
      const ctx = openContext(flags);
      const { diagnoseSetup, formatDiagnosis } = await import('../../pipelines/doctor.js');
      const report = await diagnoseSetup(ctx.config);
      printResult(report, flags.json, () => formatDiagnosis(report));
    });
}
