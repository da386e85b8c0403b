import type { Command } from 'commander';
import { InputError, UpstreamError } from '../../core/index.js';
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
      // A FAIL line must fail the command too, so scripts and CI can rely on `rakuten-ml doctor`.
      const failed = [
        ...(report.engine.ok ? [] : ['backend']),
        ...(report.dataDir.ok ? [] : ['data dir']),
        ...(report.database.ok ? [] : ['database']),
      ];
      if (failed.length > 0) {
        const message = `${failed.length} check(s) failed: ${failed.join(', ')}`;
        const hint = 'Fix the lines marked FAIL above, then run rakuten-ml doctor again.';
        // Only a database that cannot be reached is a service down (exit 4); the rest is set-up (exit 2).
        throw failed.length === 1 && failed[0] === 'database'
          ? new UpstreamError('DOCTOR_CHECK_FAILED', message, { hint })
          : new InputError('DOCTOR_CHECK_FAILED', message, { hint });
      }
    });
}
