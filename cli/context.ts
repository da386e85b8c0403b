import { type Config, type ConfigFlags, createLogger, type Logger, loadConfig } from '../core/index.js';
import { createProgressRenderer, type ProgressRenderer } from './progress-bar.js';

/** What every command action gets: the resolved config, a logger and a progress renderer. */
export interface CommandContext {
  config: Config;
  log: Logger;
  progress: ProgressRenderer;
}

export interface GlobalFlags extends ConfigFlags {
  json?: boolean;
  verbose?: boolean;
}

export function openContext(flags: GlobalFlags): CommandContext {
  const config = loadConfig(process.env, flags);
  const log = createLogger({ level: flags.verbose ? 'debug' : config.logLevel });
  return { config, log, progress: createProgressRenderer(process.stderr) };
}

/** Prints a command's result: JSON when asked (pipeable), else the human text. */
export function printResult(result: unknown, asJson: boolean | undefined, human: () => string): void {
  if (asJson) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    process.stdout.write(`${human()}\n`);
  }
}
