import pino from 'pino';

/** The logger plugins and the engine write to: pino, structured, on stderr. */
export type Logger = pino.Logger;

/** Log levels accepted by `log.level`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A logger writing JSON lines to stderr (stdout stays clean for signals and --json output). */
export function createLogger(level: string): Logger {
  return pino({ level, base: undefined }, pino.destination({ fd: 2, sync: true }));
}
