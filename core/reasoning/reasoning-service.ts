/**
 * Reasoning for accepted signals: the explainer, the reasoning cache in front of it, single
 * flight for concurrent identical questions, and a fallback text when the explainer fails.
 */
import pLimit from 'p-limit';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EngineConfig } from '../config/config-schema';
import type { CycleStats } from '../engine/cycle-stats';
import type { RunEvents } from '../engine/run-events';
import type { ReasoningStatus, Signal } from '../domain/domain';
import { ArgoError, messageOf } from '../errors/errors';
import { InFlight } from '../util/in-flight';
import { within } from '../util/within';
import type { Logger } from '../util/logger';
import type { ExplainRequest, Explainer, ReasoningCache, Storage } from '../plugin-system/plugin-contracts';
import type { SecretRedactor } from '../util/secret-redactor';
import { hashOf } from '../util/stable-hash';
import { renderTemplate, templateOf, wordingKey } from './shared-text';

/** The explainer's identity: part of every cache key, so another explainer, version or options never reads old texts. */
export interface ExplainerIdentity {
  readonly name: string;
  readonly version: string;
  readonly options: unknown;
}

/** A reasoning text and how it was made. */
export interface Reasoning {
  readonly text: string;
  readonly status: ReasoningStatus;
}

/** The text stored while deferred reasoning is being written. */
export function placeholderText(request: ExplainRequest): string {
  return `Reasoning pending for ${request.action} ${request.symbol} as of ${request.asOf} (${request.consensus.direction} consensus at ${request.consensus.confidence.toFixed(1)}%).`;
}

/** The text stored when the explainer failed: the consensus and its strongest contributions. */
export function fallbackText(request: ExplainRequest): string {
  const strongest = Object.entries(request.consensus.contributions)
    .sort(([, a], [, b]) => Math.abs(b) - Math.abs(a))
    .slice(0, 3)
    .map(([source, share]) => `${source} ${share >= 0 ? '+' : ''}${share.toFixed(1)} pts`)
    .join(', ');
  return `${request.action} ${request.symbol} as of ${request.asOf}: ${request.consensus.direction} consensus at ${request.consensus.confidence.toFixed(1)}% (${strongest}); regime ${request.regime}; entry ${request.levels.entry.toFixed(2)}, stop ${request.levels.stop.toFixed(2)}, target ${request.levels.target.toFixed(2)}. (The explainer was unavailable.)`;
}

/** Rebuilds the question a stored signal answered, for completing its reasoning later. */
export function requestOfSignal(signal: Signal, weights: ReadonlyMap<string, number>): ExplainRequest {
  return {
    symbol: signal.symbol,
    asOf: signal.asOf,
    action: signal.action,
    consensus: { direction: signal.direction, confidence: signal.confidence, contributions: signal.contributions },
    opinions: signal.sources.flatMap((s) => (s.ok ? [{ source: s.source, weight: weights.get(s.source) ?? 1, opinion: s.opinion }] : [])),
    regime: signal.regime,
    levels: { entry: signal.entry, stop: signal.stop, target: signal.target },
  };
}

/** How often a process waiting for another's text looks in the cache, and the slack past the claim's life. */
const CLAIM_POLL_MS = 25;
const CLAIM_SLACK_MS = 250;
/** How long a failing reasoning cache must go without a failed call to count as back. */
const CACHE_RECOVERY_MS = 1000;

/** What a new signal stores now, and for a pending text the answer already on its way (absent: the background asks for it). */
export interface SignalReasoning {
  readonly now: Reasoning;
  readonly later?: Promise<Reasoning>;
}

/** A text written for one request, and the template other requests of its key are told with (null: not shareable). */
interface Explained {
  readonly reasoning: Reasoning;
  readonly template: string | null;
}

export class ReasoningService {
  readonly #inFlight = new Map<string, Promise<Explained>>();
  readonly #explainerHash: string;
  #hits = 0;
  #misses = 0;
  #joins = 0;
  /** Why the cache failed its last call, while it keeps failing; null while it answers. */
  #cacheDown: string | null = null;
  #cacheFailedAt = 0;

  constructor(
    private readonly explainer: Explainer,
    private readonly identity: ExplainerIdentity,
    private readonly cache: ReasoningCache | null,
    private readonly config: EngineConfig,
    private readonly stats: CycleStats,
    private readonly logger: Logger,
    private readonly secrets: SecretRedactor,
  ) {
    this.#explainerHash = hashOf(identity.options, 8);
    if (cache !== null) {
      stats.caches.reasoning = () => ({ hits: this.#hits, misses: this.#misses, joins: this.#joins, ...cache.counters() });
    }
  }

  /**
   * The cache key: what a text may say in words (symbol, action, confidence bucket, regime,
   * each source's direction by rank) and the explainer's name, version and options. Its
   * numbers and date are each signal's own (see shared-text.ts).
   */
  keyOf(request: ExplainRequest): string {
    const bucket = Math.floor(request.consensus.confidence / this.config.reasoning.cache.bucket);
    return ['v2', this.identity.name, this.identity.version, this.#explainerHash, request.symbol, request.action, bucket, request.regime, wordingKey(request)].join('|');
  }

  /** Why the reasoning cache is failing (texts are written without it meanwhile), or null while it answers. */
  get cacheProblem(): string | null {
    return this.#cacheDown;
  }

  /**
   * A cache call that cannot hold a cycle up: a cache that fails (a Redis outage) answers
   * `otherwise`, and the texts are written without it; said once an outage, and when it ends.
   */
  async #fromCache<T>(call: () => Promise<T>, otherwise: T): Promise<T> {
    try {
      const answer = await call();
      // Some calls of a failing cache still answer (a store that swallows its errors): it is back once none failed for a while.
      if (this.#cacheDown !== null && Date.now() - this.#cacheFailedAt > CACHE_RECOVERY_MS) {
        this.logger.warn({ cache: this.config.reasoning.cache.plugin }, 'reasoning cache answers again');
        this.#cacheDown = null;
      }
      return answer;
    } catch (error) {
      if (this.#cacheDown === null) this.logger.warn({ cache: this.config.reasoning.cache.plugin, err: messageOf(error) }, 'reasoning cache failing; texts are written without it until it answers');
      this.#cacheDown = `reasoning cache "${this.config.reasoning.cache.plugin}" failing: ${messageOf(error)}`;
      this.#cacheFailedAt = Date.now();
      this.stats.reasoningCacheErrors++;
      return otherwise;
    }
  }

  /** The cached text for `request`, told with its own numbers and date, if any (counted as a hit or a miss). */
  async cached(request: ExplainRequest): Promise<string | undefined> {
    if (this.cache === null) return undefined;
    const cache = this.cache;
    const template = await this.#fromCache(() => cache.get(this.keyOf(request)), undefined);
    const text = template === undefined ? undefined : renderTemplate(template, request);
    if (text === undefined) this.#misses++;
    else this.#hits++;
    return text;
  }

  /**
   * The reasoning a new signal is stored with, by `reasoning.mode`. `deferred`: a cached text or
   * a pending placeholder. `sync` and `cached`: the text, unless it takes longer than
   * `reasoning.maxWaitMs`; then a placeholder now and the text when it comes.
   */
  async forSignal(request: ExplainRequest): Promise<SignalReasoning> {
    const { mode, maxWaitMs } = this.config.reasoning;
    if (mode === 'deferred') {
      const cached = await this.cached(request);
      return { now: cached === undefined ? { text: placeholderText(request), status: 'pending' } : { text: cached, status: 'done' } };
    }
    const answer = this.reason(request);
    if (maxWaitMs === 0) return { now: await answer };
    const first = await within(answer, maxWaitMs);
    return first === null ? { now: { text: placeholderText(request), status: 'pending' }, later: answer } : { now: first };
  }

  /** Asks the explainer, with a fallback text when it fails. */
  async #explain(request: ExplainRequest): Promise<Reasoning> {
    try {
      const text = await this.explainer.explain(request);
      if (typeof text !== 'string' || text === '') throw new Error(`the explainer returned ${JSON.stringify(text)} instead of a text`);
      if (this.secrets.reveals(text)) {
        this.stats.reasoningSecretsRefused++;
        throw new ArgoError('ARGO_ERR_EXPLAINER_SECRET', `explainer "${this.identity.name}" answered with a text that contains a secret it was given; the text is not stored`);
      }
      this.stats.reasoningExplained++;
      return { text, status: 'done' };
    } catch (error) {
      this.stats.reasoningFallbacks++;
      this.logger.warn({ explainer: this.identity.name, symbol: request.symbol, err: messageOf(error) }, 'explainer failed, fallback text stored');
      return { text: fallbackText(request), status: 'fallback' };
    }
  }

  /**
   * Explains `request` and caches the text as a template; with a cache that can claim keys,
   * once across every process sharing it. Answers the text of `request`, and the template
   * (null when the text cannot be shared) for the callers that joined this one.
   */
  async #explainShared(key: string, request: ExplainRequest): Promise<Explained> {
    const cache = this.cache!;
    for (;;) {
      const claim = cache.claim === undefined ? null : await this.#fromCache(() => cache.claim!(key), null);
      if (claim === null || claim.won) {
        try {
          const reasoning = await this.#explain(request);
          const template = reasoning.status === 'done' ? templateOf(reasoning.text, request) : null;
          if (template !== null) await this.#fromCache(() => cache.set(key, template), undefined);
          else if (reasoning.status === 'done') this.stats.reasoningUnshared++;
          return { reasoning, template };
        } finally {
          if (claim !== null && claim.won) await this.#fromCache(() => claim.release(), undefined);
        }
      }
      // Another process is writing this text: it comes through the cache, or its claim lapses (it died) and this one tries.
      const deadline = Date.now() + claim.heldForMs + CLAIM_SLACK_MS;
      while (Date.now() < deadline) {
        await sleep(CLAIM_POLL_MS);
        const template = await this.#fromCache(() => cache.get(key), undefined);
        const text = template === undefined ? undefined : renderTemplate(template, request);
        if (text !== undefined) {
          this.#joins++;
          return { reasoning: { text, status: 'done' }, template: template! };
        }
      }
    }
  }

  /**
   * The reasoning of `request`: from the cache when it has it (`cached` and `deferred`
   * modes), otherwise from the explainer, once for all concurrent callers with the same key.
   * Fallback texts are not cached: the explainer may be back next time. `lookedUp`: the
   * caller already missed the cache for this request (deferred mode), so it is not asked again.
   */
  async reason(request: ExplainRequest, options: { lookedUp?: boolean } = {}): Promise<Reasoning> {
    if (this.cache === null) return this.#explain(request);
    const hit = options.lookedUp ? undefined : await this.cached(request);
    if (hit !== undefined) return { text: hit, status: 'done' };
    const key = this.keyOf(request);
    const running = this.#inFlight.get(key);
    if (running !== undefined) {
      // The text in progress is another signal's: told with this one's facts, or, not shareable, written for this one.
      const { template } = await running;
      const text = template === null ? undefined : renderTemplate(template, request);
      if (text === undefined) return this.#explain(request);
      this.#joins++;
      return { text, status: 'done' };
    }
    const answer = this.#explainShared(key, request);
    this.#inFlight.set(key, answer);
    try {
      return (await answer).reasoning;
    } finally {
      this.#inFlight.delete(key);
    }
  }
}

/**
 * Deferred reasoning: texts written in the background with bounded concurrency, each
 * stored through the storage's batched `updateReasoning`. Signals stay `pending` in
 * storage until then, so a crash or a short shutdown loses nothing: the next run completes them.
 */
export class DeferredReasoner {
  readonly #limit: ReturnType<typeof pLimit>;
  readonly #pending = new InFlight();

  constructor(
    private readonly service: ReasoningService,
    private readonly storage: Storage,
    concurrency: number,
    private readonly stats: CycleStats,
    private readonly logger: Logger,
    private readonly events: RunEvents,
  ) {
    this.#limit = pLimit(concurrency);
  }

  /**
   * Writes the reasoning of stored signal `id` in the background, once `stored`. `later`: the
   * text already on its way (a wait that ran out), otherwise the service is asked, skipping the
   * cache when `lookedUp` says it was already asked. `suffix`: what the pipeline appends to
   * every text of this signal (the calibration's sentence), appended to the written one too.
   */
  enqueue(id: string, request: ExplainRequest, options: { stored?: Promise<unknown>; lookedUp?: boolean; later?: Promise<Reasoning>; suffix?: string } = {}): void {
    // The concurrency bounds the explainer calls; the store of each text waits outside it, so a
    // batching storage's flush delay (SQLite: flushMs) does not hold a slot, and texts batch.
    const job = this.#limit(async () => {
      await options.stored;
      return options.later ?? this.service.reason(request, { lookedUp: options.lookedUp });
    })
      .then(async (reasoning) => {
        const update = { id, reasoning: options.suffix === undefined ? reasoning.text : `${reasoning.text} ${options.suffix}`, status: reasoning.status };
        await this.storage.updateReasoning!([update]);
        this.stats.reasoningCompletedInBackground++;
        this.events.emit('reasoning', update);
      })
      .catch((error: unknown) => this.logger.error({ signal: id, err: messageOf(error) }, 'deferred reasoning not stored; it stays pending'));
    this.#pending.track(job);
  }

  /** Texts queued or being written. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Waits for the background texts, at most `timeoutMs`; resolves with how many are left pending. */
  async drain(timeoutMs: number): Promise<number> {
    await within(this.#pending.idle(), timeoutMs);
    this.#limit.clearQueue();
    return this.#pending.size;
  }
}
