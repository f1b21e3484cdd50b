/**
 * The formats the engine schema's values are checked with (convict formats, registered on
 * import, and the described number checks the configuration reference prints).
 */
import convict from 'convict';
import type { ValueKind } from './config-values';
import { SYMBOL_PATTERN, isIsoDate } from '../domain/symbols';

/** How a simulated source behaves: seeded lognormal latency, failures and timeouts. */
export interface SimulateConfig {
  /** Median latency in ms. */
  latencyMs: number;
  /** Log-space standard deviation of the latency. */
  sigma: number;
  /** Probability 0..1 that a call throws. */
  failureRate: number;
  /** Probability 0..1 that a call hangs past its timeout. */
  timeoutRate: number;
}

function assertNumberIn(value: unknown, min: number, max: number, what: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new Error(`${what} must be a number in ${min}..${max}, was ${typeof value === 'number' ? value : JSON.stringify(value)}`);
  }
}

/**
 * A block of a source entry (`simulate`, `breaker`) merged over its defaults: an object whose
 * keys are all the defaults' own, refused naming the key otherwise.
 */
function withDefaults<T extends object>(value: unknown, defaults: T, at: string, shape: string): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${at} must be ${shape}`);
  for (const key of Object.keys(value)) {
    if (!(key in defaults)) throw new Error(`${at}.${key} is not a known key (expected ${Object.keys(defaults).join(', ')})`);
  }
  return { ...defaults, ...value };
}

export const BREAKER_DEFAULTS = { failures: 0, cooldownMs: 30_000 };

function checkBreaker(value: unknown, at: string): typeof BREAKER_DEFAULTS {
  const breaker = withDefaults(value, BREAKER_DEFAULTS, at, 'an object {failures, cooldownMs}');
  assertNumberIn(breaker.failures, 0, 1_000_000, `${at}.failures`);
  assertNumberIn(breaker.cooldownMs, 1, 86_400_000, `${at}.cooldownMs`);
  if (!Number.isInteger(breaker.failures)) throw new Error(`${at}.failures must be an integer, was ${breaker.failures}`);
  return breaker;
}

const SIMULATE_DEFAULTS: SimulateConfig = { latencyMs: 0, sigma: 0.5, failureRate: 0, timeoutRate: 0 };

function checkSimulate(value: unknown, at: string): SimulateConfig | null {
  if (value === null) return null;
  const merged = withDefaults(value, SIMULATE_DEFAULTS, at, 'an object or null');
  assertNumberIn(merged.latencyMs, 0, 3_600_000, `${at}.latencyMs`);
  assertNumberIn(merged.sigma, 0, 5, `${at}.sigma`);
  assertNumberIn(merged.failureRate, 0, 1, `${at}.failureRate`);
  assertNumberIn(merged.timeoutRate, 0, 1, `${at}.timeoutRate`);
  return merged;
}

const SOURCE_KEYS = ['name', 'plugin', 'weight', 'timeoutMs', 'options', 'simulate', 'breaker'];

/** Checks the `sources` list and fills each entry's defaults in place. */
function checkSources(value: unknown): void {
  if (!Array.isArray(value)) throw new Error('must be a list of source entries');
  if (value.length === 0) throw new Error('must name at least one source: with none, no symbol can get a signal');
  const names = new Set<string>();
  value.forEach((raw: unknown, i) => {
    const at = `sources[${i}]`;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${at} must be an object`);
    const entry = raw as Record<string, unknown>;
    for (const key of Object.keys(entry)) {
      if (!SOURCE_KEYS.includes(key)) throw new Error(`${at}.${key} is not a known key (expected ${SOURCE_KEYS.join(', ')})`);
    }
    if (typeof entry.plugin !== 'string' || entry.plugin === '') throw new Error(`${at}.plugin must name a source plugin or module`);
    entry.name ??= entry.plugin;
    if (typeof entry.name !== 'string' || !/^[a-z][a-z0-9-]*$/.test(entry.name)) {
      throw new Error(`${at}.name must be kebab-case, was ${JSON.stringify(entry.name)}`);
    }
    if (names.has(entry.name)) throw new Error(`${at}.name "${entry.name}" is used twice`);
    names.add(entry.name);
    entry.weight ??= 1;
    assertNumberIn(entry.weight, Number.MIN_VALUE, 1e6, `${at}.weight`);
    entry.timeoutMs ??= 1000;
    assertNumberIn(entry.timeoutMs, 1, 3_600_000, `${at}.timeoutMs`);
    entry.options ??= {};
    if (typeof entry.options !== 'object' || entry.options === null || Array.isArray(entry.options)) {
      throw new Error(`${at}.options must be an object`);
    }
    entry.simulate = checkSimulate(entry.simulate ?? null, `${at}.simulate`);
    entry.breaker = checkBreaker(entry.breaker ?? {}, `${at}.breaker`);
  });
}

convict.addFormat({
  name: 'source-list',
  validate: checkSources,
  coerce: (value: string) => JSON.parse(value),
});

const SINK_KEYS = ['name', 'plugin', 'options', 'filter'];
const FILTER_KEYS = ['symbols', 'actions', 'minConfidence', 'minProbability'];

/** Checks the `sinks` list and fills each entry's defaults in place. */
function checkSinks(value: unknown): void {
  if (!Array.isArray(value)) throw new Error('must be a list of sink entries');
  const names = new Set<string>();
  value.forEach((raw: unknown, i) => {
    const at = `sinks[${i}]`;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${at} must be an object`);
    const entry = raw as Record<string, unknown>;
    for (const key of Object.keys(entry)) if (!SINK_KEYS.includes(key)) throw new Error(`${at}.${key} is not a known key (expected ${SINK_KEYS.join(', ')})`);
    if (typeof entry.plugin !== 'string' || entry.plugin === '') throw new Error(`${at}.plugin must name a sink plugin or module`);
    entry.name ??= entry.plugin;
    if (typeof entry.name !== 'string' || !/^[a-z][a-z0-9-]*$/.test(entry.name)) throw new Error(`${at}.name must be kebab-case, was ${JSON.stringify(entry.name)}`);
    if (names.has(entry.name)) throw new Error(`${at}.name "${entry.name}" is used twice`);
    names.add(entry.name);
    entry.options ??= {};
    if (typeof entry.options !== 'object' || entry.options === null || Array.isArray(entry.options)) throw new Error(`${at}.options must be an object`);
    const filter = (entry.filter ??= {}) as Record<string, unknown>;
    if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) throw new Error(`${at}.filter must be an object`);
    for (const key of Object.keys(filter)) if (!FILTER_KEYS.includes(key)) throw new Error(`${at}.filter.${key} is not a known key (expected ${FILTER_KEYS.join(', ')})`);
    filter.symbols ??= [];
    if (!Array.isArray(filter.symbols) || filter.symbols.some((s) => typeof s !== 'string')) throw new Error(`${at}.filter.symbols must be a list of symbols`);
    filter.actions ??= [];
    if (!Array.isArray(filter.actions) || filter.actions.some((a) => a !== 'BUY' && a !== 'SELL')) throw new Error(`${at}.filter.actions must list BUY and/or SELL`);
    filter.minConfidence ??= 0;
    assertNumberIn(filter.minConfidence, 0, 100, `${at}.filter.minConfidence`);
    filter.minProbability ??= 0;
    assertNumberIn(filter.minProbability, 0, 1, `${at}.filter.minProbability`);
  });
}

convict.addFormat({
  name: 'sink-list',
  validate: checkSinks,
  coerce: (value: string) => JSON.parse(value),
});

/** Milliseconds in a duration written as 500ms, 30s, 5m or 1h. */
export function durationMs(text: string): number {
  const match = /^(\d+)(ms|s|m|h)$/.exec(text.trim());
  if (match === null) throw new Error(`must be a duration like 500ms, 30s, 5m or 1h, was ${JSON.stringify(text)}`);
  const ms = Number(match[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'];
  if (ms < 1 || ms > 86_400_000) throw new Error(`must be between 1ms and 24h, was ${JSON.stringify(text)}`);
  return ms;
}

convict.addFormat({
  name: 'duration',
  validate(value: unknown) {
    if (typeof value !== 'string') throw new Error('must be a duration string like 30s');
    durationMs(value);
  },
});

convict.addFormat({
  name: 'time-zone',
  validate(value: unknown) {
    if (typeof value !== 'string' || value === '') throw new Error('must be an IANA time zone like UTC or America/New_York');
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: value });
    } catch {
      throw new Error(`${JSON.stringify(value)} is not an IANA time zone (like UTC or America/New_York)`);
    }
  },
});

convict.addFormat({
  name: 'cron-pattern',
  validate(value: unknown) {
    if (typeof value !== 'string') throw new Error('must be a cron pattern like "0 */5 * * * *", or empty');
    if (value === '') return;
    // Required here, not imported: only a config with a cron pattern needs croner.
    const { Cron } = require('croner') as typeof import('croner');
    let runs: Date[];
    try {
      runs = new Cron(value, { paused: true }).nextRuns(2);
    } catch (error) {
      throw new Error(`${JSON.stringify(value)} is not a cron pattern: ${(error as Error).message}`);
    }
    if (runs.length < 2) throw new Error(`${JSON.stringify(value)} never fires (twice); no cycle would ever run`);
  },
});

convict.addFormat({
  name: 'date-list',
  validate(value: unknown) {
    if (!Array.isArray(value)) throw new Error('must be a list of YYYY-MM-DD dates');
    for (const date of value) {
      if (typeof date !== 'string' || !isIsoDate(date)) throw new Error(`${JSON.stringify(date)} must be a YYYY-MM-DD calendar date`);
    }
  },
  coerce: (value: string) => value.split(',').map((s) => s.trim()).filter((s) => s !== ''),
});

convict.addFormat({
  name: 'symbol-list',
  validate(value: unknown) {
    if (!Array.isArray(value)) throw new Error('must be a list of symbols');
    for (const symbol of value) {
      if (typeof symbol !== 'string' || !SYMBOL_PATTERN.test(symbol)) {
        throw new Error(`symbol ${JSON.stringify(symbol)} must be letters, digits, dots and dashes`);
      }
    }
  },
  coerce: (value: string) => value.split(',').map((s) => s.trim()).filter((s) => s !== ''),
});

/** A convict format function that says what it accepts, for the configuration reference, and which kind of value the strict reader reads for it. */
function described<F extends (value: unknown) => void>(description: string, valueKind: ValueKind, check: F): F & { description: string; valueKind: ValueKind } {
  return Object.assign(check, { description, valueKind });
}

export function numberIn(min: number, max: number) {
  return described(`number ${min}..${max}`, 'number', (value: unknown) => assertNumberIn(value, min, max, 'value'));
}

export function integerIn(min: number, max: number) {
  return described(`integer ${min}..${max}`, 'integer', (value: unknown) => {
    assertNumberIn(value, min, max, 'value');
    if (!Number.isInteger(value)) throw new Error(`must be an integer, was ${value}`);
  });
}

