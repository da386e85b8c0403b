import { pino } from 'pino';

export type Logger = pino.Logger;

// Secrets may appear in config objects that get logged; pino blanks these paths.
const REDACTED_PATHS = [
  'databaseUrl',
  '*.databaseUrl',
  'password',
  '*.password',
  'secretAccessKey',
  '*.secretAccessKey',
  'authorization',
  '*.authorization',
];

/** A structured logger writing JSON lines to stderr, so stdout stays for command results. */
export function createLogger(opts: { level?: string } = {}): Logger {
  return pino({ level: opts.level ?? 'info', redact: REDACTED_PATHS }, pino.destination(2));
}

/** A logger that drops everything, for tests and library callers that do not care. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
