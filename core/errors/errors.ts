/**
 * The one registry of coded errors. Every error a user can see is an {@link ArgoError}
 * whose code is listed here; docs/errors.md lists the same codes and a test keeps the two
 * in sync.
 */

/** How a coded error ends the CLI: 2 for usage or configuration, 1 for a runtime failure. */
export type ExitCode = 1 | 2;

/** A registry entry: the exit code and one line that says when the error is raised. */
export interface ErrorSpec {
  readonly exitCode: ExitCode;
  readonly description: string;
}

/** Every error code of argo-signals, with its exit code and meaning. */
export const ERROR_CODES = {
  ARGO_ERR_CONFIG_FILE: { exitCode: 2, description: 'The config file cannot be read or is not valid JSON.' },
  ARGO_ERR_CONFIG_INVALID: {
    exitCode: 2,
    description: 'A config value has the wrong type or range, or a key is not declared by the engine or the selected plugin.',
  },
  ARGO_ERR_CONFIG_SET: { exitCode: 2, description: 'A --set argument is not of the form key=value.' },
  ARGO_ERR_PLUGIN_NOT_FOUND: {
    exitCode: 2,
    description: 'A plugin name is neither a registered plugin nor a module that can be loaded.',
  },
  ARGO_ERR_PLUGIN_DEFINITION: {
    exitCode: 2,
    description: 'A module does not export a valid plugin definition (kind, kebab-case name, version, apiVersion, factory).',
  },
  ARGO_ERR_PLUGIN_KIND: { exitCode: 2, description: 'A plugin of one kind was named where another kind is expected.' },
  ARGO_ERR_PLUGIN_API_VERSION: {
    exitCode: 2,
    description: "A plugin's apiVersion range does not include this framework's plugin API version.",
  },
  ARGO_ERR_PLUGIN_DUPLICATE: { exitCode: 2, description: 'Two plugins of the same kind are registered under one name.' },
  ARGO_ERR_PLUGIN_OPTIONS: { exitCode: 2, description: "A plugin's options do not match its config schema." },
  ARGO_ERR_PLUGIN_FACTORY: { exitCode: 1, description: "A plugin's factory threw while the run was being built." },
  ARGO_ERR_PLUGIN_SELF_TEST: { exitCode: 1, description: "A plugin's selfTest failed during `config check` (an endpoint unreachable, a file unreadable)." },
  ARGO_ERR_WORKER_LOAD: {
    exitCode: 1,
    description: 'A plugin of a stage placed on the worker pool (`workers.mode.*`) could not be built in a worker thread.',
  },
  ARGO_ERR_PLUGIN_CONTRACT: {
    exitCode: 1,
    description: 'A plugin returned something its contract forbids (a wave plan naming unknown sources, a consensus out of range).',
  },
  ARGO_ERR_SOURCE_FAILED: { exitCode: 1, description: 'A source threw while giving its opinion (recorded per symbol; the cycle goes on).' },
  ARGO_ERR_SOURCE_TIMEOUT: { exitCode: 1, description: 'A source did not answer within its timeoutMs (recorded per symbol; the cycle goes on).' },
  ARGO_ERR_SOURCE_MALFORMED: {
    exitCode: 1,
    description: 'A source answered with a direction other than LONG, SHORT or NEUTRAL, or a confidence outside 0..100 or NaN.',
  },
  ARGO_ERR_EXPLAINER_SECRET: {
    exitCode: 1,
    description: "An explainer's answer contained a secret it was given (an API key echoed back); the fallback text is stored instead and the refusal counted.",
  },
  ARGO_ERR_SOURCE_UNRECORDED: {
    exitCode: 1,
    description: '`replay --cassette`: a source the live run never asked for this symbol and day (its early exit skipped it) was asked now; counted as `unrecorded`, what the replay could not see.',
  },
  ARGO_ERR_SOURCE_REFUSED: { exitCode: 1, description: 'An LLM source\'s model refused to give an opinion (a `refusal` in its answer); recorded as a failure of that source for that symbol.' },
  ARGO_ERR_SOURCE_INVALID_JSON: { exitCode: 1, description: 'An LLM source\'s answer held no JSON object, even after looking for one inside the text; recorded as a failure of that source.' },
  ARGO_ERR_SOURCE_SCHEMA: { exitCode: 1, description: 'An LLM source\'s JSON answer broke the opinion schema (direction LONG, SHORT or NEUTRAL; confidence 0..100; a rationale); recorded as a failure of that source.' },
  ARGO_ERR_SOURCE_SECRET: { exitCode: 1, description: 'An LLM source\'s answer held a secret it was given (its API key, or a run of eight or more of its characters); the opinion is refused, recorded as a failure of that source.' },
  ARGO_ERR_SOURCE_CIRCUIT_OPEN: {
    exitCode: 1,
    description: "A source was skipped because its circuit breaker is open after `breaker.failures` consecutive failures (recorded per symbol; tried again after `breaker.cooldownMs`).",
  },
  ARGO_ERR_SERVICE_RELOAD: { exitCode: 2, description: 'A reload changed `service.*` keys (the port, the token, the schedule, the calendar), which need a restart of serve; nothing was reloaded.' },
  ARGO_ERR_SERVICE_BUSY: { exitCode: 1, description: '`serve`: a cycle was asked for (POST /v1/cycles) while one is running; HTTP 409.' },
  ARGO_ERR_SERVICE_CLOSED: { exitCode: 1, description: '`serve`: a cycle was asked for outside the trading session (`service.session.calendar`); HTTP 409.' },
  ARGO_ERR_SERVICE_UNAUTHORIZED: { exitCode: 1, description: '`serve`: a /v1 route (or /metrics) was called without `Authorization: Bearer <token>` or with a wrong token; HTTP 401.' },
  ARGO_ERR_NOT_FOUND: { exitCode: 1, description: '`serve`: no signal has the id asked for (GET /v1/signals/:id), or no route has the path; HTTP 404.' },
  ARGO_ERR_SERVICE_FAILED: { exitCode: 1, description: '`serve`: a request failed for a reason that is not the caller\'s (HTTP 500); the message says what.' },
  ARGO_ERR_USAGE: { exitCode: 2, description: 'The command line is wrong: an unknown command or option, or a missing argument.' },
  ARGO_ERR_USAGE_SYMBOL: {
    exitCode: 2,
    description: 'A symbol has characters other than letters, digits, dot and dash, or could leave the data directory.',
  },
  ARGO_ERR_USAGE_DATE: { exitCode: 2, description: 'A date is not a real calendar date in YYYY-MM-DD form, or a range is reversed.' },
  ARGO_ERR_DATA_NOT_FOUND: { exitCode: 2, description: 'The data directory does not exist, or the file of a requested symbol cannot be read.' },
  ARGO_ERR_DATA_SYMBOL_MISSING: {
    exitCode: 2,
    description: 'The market data has no bars for a symbol of the universe (no file): that symbol is skipped with a warning; a run fails only when no symbol has bars.',
  },
  ARGO_ERR_DATA_OUTSIDE: { exitCode: 2, description: 'A file in data.dir is a symbolic link to a file outside data.dir; it is not read.' },
  ARGO_ERR_DATA_PROVIDER: {
    exitCode: 1,
    description: 'A market-data provider did not give bars: an HTTP error after the retries, a timeout, or a page that is not the documented JSON; names the provider and the URL (credentials removed).',
  },
  ARGO_ERR_BODY_TOO_LARGE: { exitCode: 1, description: 'A provider page or an LLM answer was larger than its cap (the plugin option `maxBodyBytes`); read no further and not retried.' },
  ARGO_ERR_DATA_REDIRECT: { exitCode: 1, description: 'A provider answered with a redirect to another host; it is not followed, so no credential goes there.' },
  ARGO_ERR_DATA_CREDENTIALS: { exitCode: 2, description: 'A market-data provider needs a credential from an environment variable that is not set; names the variable.' },
  ARGO_ERR_DATA_HEADER: { exitCode: 1, description: 'A CSV file lacks a header naming the date, open, high, low, close and volume columns.' },
  ARGO_ERR_STORAGE_OPEN: {
    exitCode: 2,
    description: "The storage file cannot be opened: a read-only folder or file, a file that is not a SQLite database or is corrupt, or another application's database.",
  },
  ARGO_ERR_STORAGE_UNAVAILABLE: { exitCode: 2, description: 'A server the run stores in cannot be reached at start (PostgreSQL for the postgres storage, Redis for the redis reasoning cache); names the URL without its password.' },
  ARGO_ERR_SHARD_CONFIG: {
    exitCode: 2,
    description: "A worker cannot evaluate a shard as its scheduler would: the shard's configuration does not load there, or a plugin there is another version; names the plugin and both versions.",
  },
  ARGO_ERR_SHARD_FAILED: {
    exitCode: 1,
    description: 'A shard (symbols of a run evaluated by a worker thread, a child process or a queue worker) failed after its attempts, or its worker died; names the shard and the cause.',
  },
  ARGO_ERR_OUTCOMES_UNAVAILABLE: {
    exitCode: 2,
    description: '`serve`: GET /v1/outcomes or a refit on a storage that keeps no outcomes (jsonl, or a plugin without saveOutcomes); HTTP 501. Use sqlite, postgres or memory.',
  },
  ARGO_ERR_SINK_DELIVERY: {
    exitCode: 1,
    description: 'A sink could not deliver (the peer refused, failed or did not answer): retried with backoff when it may succeed later, else dead-lettered; `sinks dead` lists what was set aside.',
  },
  ARGO_ERR_SINK_UNKNOWN: { exitCode: 2, description: '`deliver --sink`, `sinks test` or `sinks retry` names a sink the config\'s `sinks` list does not have.' },
  ARGO_ERR_SINK_STORAGE: {
    exitCode: 2,
    description: 'Sinks are configured on a storage that cannot keep their cursors and dead letters (jsonl, or a plugin without them); use sqlite, postgres or memory.',
  },
  ARGO_ERR_CALIBRATION: {
    exitCode: 2,
    description: 'consensus.calibration names a file that cannot be read, is no calibration, or was fitted on other sources than the config has.',
  },
  ARGO_ERR_QUEUE_NO_WORKER: {
    exitCode: 1,
    description: 'No `argo-signals worker` listens on the distributed queue: its shards wait until distributed.timeoutMs (a service is not ready meanwhile).',
  },
  ARGO_ERR_QUEUE_UNAVAILABLE: {
    exitCode: 2,
    description: 'The Redis of the distributed queue (`distributed.url`) cannot be reached; names the URL without its password. At start the command ends; a running service reports it at /readyz and recovers when Redis returns.',
  },
  ARGO_ERR_STORAGE_BUSY: {
    exitCode: 1,
    description: 'The database stayed locked by another connection for longer than storage.busyTimeoutMs while it was being opened.',
  },
  ARGO_ERR_STORAGE_FULL: {
    exitCode: 1,
    description: 'The disk is full (or over quota, or read-only): writing stopped at once, without retries; the message says how many signals were not stored.',
  },
  ARGO_ERR_STORAGE_CORRUPT: {
    exitCode: 1,
    description: 'A JSON-lines file (jsonl storage, a recording) has a line that is not JSON before its last line; a torn last line is dropped and counted instead.',
  },
  ARGO_ERR_STORAGE_SCHEMA: { exitCode: 2, description: 'The database was written by a newer version of argo-signals (its schema version is higher).' },
  ARGO_ERR_STORAGE_WRITE: {
    exitCode: 1,
    description: 'The storage could not write a signal or a run after its retries (SQLite storage: the batch went to the dead-letter file).',
  },
  ARGO_ERR_STORAGE_CLOSED: { exitCode: 1, description: 'A signal was handed to a storage that is already closed.' },
} as const satisfies Record<string, ErrorSpec>;

/** A code from {@link ERROR_CODES}. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** True when `code` is one of ours (an error that crossed a process boundary as text). */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}

/** The error type of argo-signals: a code from the registry, a message naming what is at fault. */
export class ArgoError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: ExitCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.name = 'ArgoError';
    this.code = code;
    this.exitCode = ERROR_CODES[code].exitCode;
  }
}

/** True when `error` is an {@link ArgoError}, optionally with the given code. */
export function isArgoError(error: unknown, code?: ErrorCode): error is ArgoError {
  return error instanceof ArgoError && (code === undefined || error.code === code);
}

/** The message of any thrown value, for wrapping errors that are not ours. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
