import pino from 'pino';
import type { SecretRedactor } from './secret-redactor';

/** The logger plugins and the engine write to: pino, structured, on stderr. */
export type Logger = pino.Logger;

/** Log levels accepted by `log.level`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * A logger writing JSON lines to stderr (stdout stays clean for signals and --json output).
 * With `secrets`, every line is redacted as it is written, whatever field a secret hides in.
 */
export function createLogger(level: string, secrets?: SecretRedactor): Logger {
  const stderr = pino.destination({ fd: 2, sync: true });
  if (secrets === undefined) return pino({ level, base: undefined }, stderr);
  return pino({ level, base: undefined }, { write: (line: string) => stderr.write(secrets.redact(line)) });
}
