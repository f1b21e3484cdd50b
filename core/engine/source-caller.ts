/**
 * Calls one source for one symbol: simulated latency and failures when configured, a real
 * timeout with an AbortSignal otherwise, and validation of what comes back. Never throws:
 * every problem becomes a failed {@link SourceOutcome}.
 */
import type { BarView } from '../domain/bar-view';
import type { SimulateConfig } from '../config/config-formats';
import type { SourceConfig } from '../config/config-schema';
import { isDirection, type FailureKind, type Opinion, type SourceOutcome } from '../domain/domain';
import { isArgoError, messageOf, type ErrorCode } from '../errors/errors';
import type { InFlight } from '../util/in-flight';
import type { SourceBreaker } from './source-breaker';
import { StageClock } from './stage-clock';
import type { Source } from '../plugin-system/plugin-contracts';
import { normalDraw, seededRandom } from '../util/seeded-random';

/** A configured source ready to be called: its config entry and its plugin instance. */
export interface RunSource {
  readonly config: SourceConfig;
  readonly instance: Source;
  /** Answers still pending after their timeout: a source that ignores its AbortSignal leaves them (and their sockets) running. */
  readonly abandoned: InFlight;
  /** The source's circuit breaker, or null when its entry turns it off (`breaker.failures` 0). */
  readonly breaker: SourceBreaker | null;
  /** A recording: `play` answers instead of the source (a cassette replay), `record` is told every outcome (`--record`). */
  readonly tape?: SourceTape;
}

/** Where a source's outcomes are recorded to, or played back from. */
export interface SourceTape {
  record?(symbol: string, asOf: string, outcome: SourceOutcome): void;
  /** The recorded outcome, or undefined when the live run never asked this source for this symbol that day. */
  play?(symbol: string, asOf: string): SourceOutcome | undefined;
}

class SourceTimeout extends Error {}

function failure(source: string, kind: FailureKind, code: ErrorCode, message: string, latencyMs: number): SourceOutcome {
  return { source, ok: false, failure: kind, code, message, latencyMs };
}

/** The longest rationale an opinion may carry. */
const MAX_RATIONALE = 300;

/** A copy of `value` if it is a well-formed opinion, otherwise the reason it is not. */
export function checkOpinion(value: unknown): Opinion | string {
  if (value === null || typeof value !== 'object') return `expected an opinion object, got ${value === null ? 'null' : typeof value}`;
  const { direction, confidence, features, rationale } = value as Record<string, unknown>;
  if (!isDirection(direction)) return `direction ${JSON.stringify(direction)} is not LONG, SHORT or NEUTRAL`;
  if (typeof confidence !== 'number' || !(confidence >= 0 && confidence <= 100)) {
    return `confidence ${typeof confidence === 'number' ? confidence : JSON.stringify(confidence)} is not a number in 0..100`;
  }
  if (rationale !== undefined && (typeof rationale !== 'string' || rationale.length > MAX_RATIONALE || /[\r\n]/.test(rationale))) {
    return `rationale must be one line of at most ${MAX_RATIONALE} characters`;
  }
  // Plain literals, not a spread: opinions are kept (histories, queued signals) and a spread makes them larger.
  if (features === undefined) return rationale === undefined ? { direction, confidence } : { direction, confidence, rationale: rationale as string };
  if (features === null || typeof features !== 'object') return 'features must be an object of numbers';
  const copied: Record<string, number> = {};
  for (const name of Object.keys(features)) {
    const feature = (features as Record<string, unknown>)[name];
    if (typeof feature !== 'number' || !Number.isFinite(feature)) return `feature "${name}" is not a finite number`;
    copied[name] = feature;
  }
  return rationale === undefined
    ? { direction, confidence, features: copied }
    : { direction, confidence, features: copied, rationale: rationale as string };
}

interface SimulatedCall {
  readonly latencyMs: number;
  readonly fails: boolean;
  readonly hangs: boolean;
}

/** The seeded draw of one simulated call: the same seed, source, symbol and date give the same draw. */
export function simulateCall(simulate: SimulateConfig, seed: number, source: string, symbol: string, asOf: string): SimulatedCall {
  const random = seededRandom(seed, source, symbol, asOf);
  const latencyMs = simulate.latencyMs * Math.exp(simulate.sigma * normalDraw(random));
  return { latencyMs, fails: random() < simulate.failureRate, hangs: random() < simulate.timeoutRate };
}

function withTimeout<T>(pending: PromiseLike<T>, timeoutMs: number, onTimeout: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      onTimeout();
      reject(new SourceTimeout());
    }, timeoutMs);
    pending.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** True for a promise or any thenable (a plugin may answer with either). */
export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

/**
 * Asks `source` for its opinion on `symbol` as of the last bar of `bars`. The outcome's
 * latency is the simulated one when the source is simulated, the measured one otherwise.
 * A source that answers synchronously gets its outcome synchronously: a replay makes a call
 * per source and symbol-day, and a promise for each cost more than most indicators. The call
 * starts at `clock`'s last reading; a synchronous answer reads it once, where the next starts.
 */
export function callSource(source: RunSource, symbol: string, bars: BarView, seed: number, clock = new StageClock()): SourceOutcome | Promise<SourceOutcome> {
  const { tape } = source;
  if (tape?.play !== undefined) {
    // The live run's breaker already shaped what was recorded (its circuit-open outcomes included).
    const recorded = tape.play(symbol, bars.asOf);
    if (recorded !== undefined) return recorded;
    return failure(source.config.name, 'unrecorded', 'ARGO_ERR_SOURCE_UNRECORDED', `the recording holds no answer of this source for ${symbol} as of ${bars.asOf} (the live run did not ask it)`, 0);
  }
  const record = tape?.record;
  return record === undefined ? breakerCall(source, symbol, bars, seed, clock) : then(breakerCall(source, symbol, bars, seed, clock), (outcome) => (record(symbol, bars.asOf, outcome), outcome));
}

/** `f` of `value`, at once when it is there, after it settles when it is a promise. */
function then<T, U>(value: T | Promise<T>, f: (value: T) => U): U | Promise<U> {
  return value instanceof Promise ? value.then(f) : f(value);
}

function breakerCall(source: RunSource, symbol: string, bars: BarView, seed: number, clock: StageClock): SourceOutcome | Promise<SourceOutcome> {
  const { breaker } = source;
  if (breaker === null) return ask(source, symbol, bars, seed, clock);
  if (!breaker.allows()) {
    const { failures, cooldownMs } = source.config.breaker;
    return failure(source.config.name, 'circuit-open', 'ARGO_ERR_SOURCE_CIRCUIT_OPEN', `skipped: its circuit opened after ${failures} consecutive failures and stays open ${cooldownMs} ms`, 0);
  }
  return then(ask(source, symbol, bars, seed, clock), (outcome) => {
    breaker.record(outcome.ok);
    return outcome;
  });
}

/**
 * What a source is asked: the symbol, the point-in-time bars and, made only when the source
 * reads it, the AbortSignal a timeout aborts (an AbortController costs more than an indicator).
 */
class SourceCall {
  #controller: AbortController | undefined;

  constructor(
    readonly symbol: string,
    readonly asOf: string,
    readonly bars: BarView,
  ) {}

  get signal(): AbortSignal {
    return (this.#controller ??= new AbortController()).signal;
  }

  /** Aborts the signal, if the source ever read it. */
  abort(reason: unknown): void {
    this.#controller?.abort(reason);
  }
}

/** The outcome of a source's answer after `measuredMs`: its opinion, or why it is malformed. The latency is the simulated one when there is one (not negative). */
function answered(name: string, answer: unknown, measuredMs: number, simulatedMs: number): SourceOutcome {
  const latencyMs = simulatedMs >= 0 ? simulatedMs : measuredMs;
  const opinion = checkOpinion(answer);
  if (typeof opinion === 'string') return failure(name, 'malformed', 'ARGO_ERR_SOURCE_MALFORMED', opinion, latencyMs);
  return { source: name, ok: true, opinion, latencyMs };
}

/** The outcome of a source call that threw, rejected or timed out after `measuredMs`. */
function failed(config: SourceConfig, error: unknown, measuredMs: number, simulatedMs: number): SourceOutcome {
  const latencyMs = simulatedMs >= 0 ? simulatedMs : measuredMs;
  if (error instanceof SourceTimeout) return failure(config.name, 'timeout', 'ARGO_ERR_SOURCE_TIMEOUT', `no answer within ${config.timeoutMs} ms`, latencyMs);
  // A source that throws a coded source error (a refusal, invalid JSON) keeps its code.
  const code = isArgoError(error) && error.code.startsWith('ARGO_ERR_SOURCE_') ? error.code : 'ARGO_ERR_SOURCE_FAILED';
  return failure(config.name, 'error', code, messageOf(error), latencyMs);
}

/** One call of the source, simulated or real, validated. */
function ask(source: RunSource, symbol: string, bars: BarView, seed: number, clock: StageClock): SourceOutcome | Promise<SourceOutcome> {
  const { config } = source;
  const { name, timeoutMs, simulate } = config;
  const asOf = bars.asOf;
  let simulatedMs = -1;
  if (simulate !== null) {
    const draw = simulateCall(simulate, seed, name, symbol, asOf);
    if (draw.hangs || draw.latencyMs > timeoutMs) {
      return failure(name, 'timeout', 'ARGO_ERR_SOURCE_TIMEOUT', `no answer within ${timeoutMs} ms (simulated)`, timeoutMs);
    }
    if (draw.fails) return failure(name, 'error', 'ARGO_ERR_SOURCE_FAILED', 'simulated failure', draw.latencyMs);
    simulatedMs = draw.latencyMs;
  }
  // Calls of one wave that answer later run side by side: each is timed from where the clock stood when it was made.
  const started = clock.at;
  const request = new SourceCall(symbol, asOf, bars);
  try {
    const answer = source.instance.opinion(request);
    if (!isPromiseLike(answer)) return answered(name, answer, clock.lap(), simulatedMs);
    return withTimeout(answer, timeoutMs, () => {
      request.abort(new SourceTimeout());
      source.abandoned.track(Promise.resolve(answer));
    })
      .then((value) => answered(name, value, clock.since(started), simulatedMs))
      .catch((error: unknown) => failed(config, error, clock.since(started), simulatedMs));
  } catch (error) {
    return failed(config, error, clock.lap(), simulatedMs);
  }
}
