#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { AppError, InputError, NotFoundError, UpstreamError } from '../core/index.js';
import { RetrainStepError } from '../pipelines/retrain-errors.js';
import { registerDataCommands } from './commands/data.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerDoctorCommand } from './commands/doctor.js';
import { registerEngineCommands } from './commands/engine.js';
import { registerEvaluateCommand } from './commands/evaluate.js';
import { registerMonitorCommand } from './commands/monitor.js';
import { registerPredictCommand } from './commands/predict.js';
import { registerRegistryCommands } from './commands/registry.js';
import { registerRetrainCommand } from './commands/retrain.js';
import { registerServeCommand } from './commands/serve.js';
import { registerTrainCommand } from './commands/train.js';
import { registerUsersCommands } from './commands/users.js';

// Exit codes (STYLE.md §5): 0 ok · 1 bug · 2 usage/input · 3 not found · 4 upstream · 5 gate failed.
function exitCodeOf(error: unknown): number {
  // A failed retrain step exits as the error that stopped it would.
  if (error instanceof RetrainStepError) return exitCodeOf(error.cause);
  if (error instanceof AppError && (error.code === 'REGISTRY_GATE_FAILED' || error.code === 'MONITOR_DRIFT_DETECTED')) return 5;
  if (error instanceof NotFoundError) return 3;
  if (error instanceof UpstreamError) return 4;
  if (error instanceof InputError || error instanceof AppError) return 2;
  return 1;
}

function buildProgram(): Command {
  const program = new Command('rakuten-ml')
    .description(
      'Classify Rakuten France products into 27 product types from French text and/or a photo.\n' +
        'Stages: data -> train -> evaluate -> register/promote -> push/pull -> serve -> monitor -> retrain.',
    )
    .version('0.1.0')
    .addOption(new Option('--home <dir>', 'folder for the database, image cache, bundles, reports').env('RAKUTEN_ML_HOME'))
    .addOption(new Option('--data-dir <dir>', 'folder with the official challenge files').env('RAKUTEN_DATA_DIR'))
    .addOption(new Option('--database-url <url>', 'postgres://… to use PostgreSQL instead of SQLite').env('DATABASE_URL'))
    .addOption(
      new Option('--backend <name>', 'tfjs backend').choices(['auto', 'tensorflow', 'wasm', 'cpu']).env('RAKUTEN_ML_BACKEND'),
    )
    .option('--threads <n>', 'threads for the compute backend (env RAKUTEN_ML_THREADS)')
    .option('--json', 'print results as JSON on stdout')
    .option('--verbose', 'debug logs, and the full error on failure')
    .showHelpAfterError()
    .exitOverride();
  registerDoctorCommand(program);
  registerEngineCommands(program);
  registerDataCommands(program);
  registerTrainCommand(program);
  registerEvaluateCommand(program);
  registerPredictCommand(program);
  registerRegistryCommands(program);
  registerServeCommand(program);
  registerUsersCommands(program);
  registerMonitorCommand(program);
  registerRetrainCommand(program);
  registerDemoCommand(program);
  return program;
}

async function main(argv: string[]): Promise<number> {
  // TensorFlow's start-up notices (oneDNN, CPU features) would bury our output; TF_CPP_MIN_LOG_LEVEL=0 shows them.
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error: unknown) {
    if (error instanceof CommanderError) {
      // --help and --version end through exitOverride with code 0.
      return error.exitCode === 0 ? 0 : 2;
    }
    const verbose = program.opts<{ verbose?: boolean }>().verbose === true;
    if (error instanceof AppError) {
      process.stderr.write(`error [${error.code}]: ${error.message}\n`);
      if (error.hint) process.stderr.write(`hint: ${error.hint}\n`);
    } else {
      process.stderr.write(`unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
      if (!verbose) process.stderr.write('This is a bug in rakuten-ml; rerun with --verbose for details.\n');
    }
    if (verbose && error instanceof Error) process.stderr.write(`${error.stack ?? ''}\n`);
    return exitCodeOf(error);
  }
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`fatal: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
