/**
 * Delivers one sink's messages from its cursor in the storage, at least once: it reads the
 * signals stored after the cursor a page at a time (memory does not grow with a backlog), hands
 * them to the sink in order, and moves the cursor only once the peer acknowledged them. A
 * reasoning text written later follows once its signal was delivered. Retryable failures are
 * tried again with jittered exponential backoff, never before a `Retry-After`; after
 * `delivery.maxAttempts` (or at once when a failure is final) the messages go to the dead
 * letters and the cursor moves on. A failure is logged once per outage, its end once. Nothing
 * here runs on a cycle's path: a sink that hangs only grows its own lag.
 */
import type { EngineConfig, SinkFilter } from '../config/config-schema';
import { SinkDeliveryError } from '../errors/sink-delivery-error';
import { isArgoError, messageOf } from '../errors/errors';
import type { Sink, SinkCursor, SinkMessage, Storage } from '../plugin-system/plugin-contracts';
import { hashOf } from '../util/stable-hash';
import type { Logger } from '../util/logger';
import { backoffMs } from '../util/retry-wait';
import { passes } from './sink-filter';

/** The storage methods sinks need (sqlite, postgres and memory have them). */
export const SINK_METHODS = ['readSignalsAfter', 'lastSignalSeq', 'readReasoningAfter', 'lastReasoningSeq', 'readSinkCursor', 'writeSinkCursor', 'saveSinkDeadLetter', 'querySinkDeadLetters', 'deleteSinkDeadLetters'] as const;

export type SinkStorage = Storage & Required<Pick<Storage, (typeof SINK_METHODS)[number]>>;

/** What GET /v1/sinks says of one sink. */
export interface SinkState {
  readonly name: string;
  readonly plugin: string;
  /** `delivering` (caught up or working), `retrying` (in an outage), `standby` (another service holds the sink), `stopped`. */
  readonly status: 'delivering' | 'retrying' | 'standby' | 'stopped';
  readonly cursor: SinkCursor;
  /** Signals stored after the cursor (filtered ones included), and how long the sink has been behind. */
  readonly lagSignals: number;
  readonly lagSeconds: number;
  readonly delivered: number;
  readonly failures: number;
  readonly deadLetters: number;
  readonly lastError: string | null;
  readonly lastErrorAt: string | null;
}

/** The id of a dead letter: one per sink and message. */
export function deadLetterId(sink: string, message: SinkMessage): string {
  return hashOf([sink, message.idempotencyKey]);
}

/** A stored signal as a sink message. */
export function sinkMessage(event: SinkMessage['event'], seq: number, signal: SinkMessage['signal']): SinkMessage {
  return { event, idempotencyKey: `${signal.id}:${event}`, seq, signal };
}

/** Sleeps `ms`, or less when `wake` is called; resolves either way. */
class Wakeable {
  #wake: (() => void) | null = null;
  #pending = false;

  wake(): void {
    this.#pending = true;
    this.#wake?.();
  }

  sleep(ms: number): Promise<void> {
    if (this.#pending) {
      this.#pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.#wake = null;
        self.#pending = false;
        resolve();
      }
      this.#wake = done;
    });
  }
}

export class SinkRunner {
  #cursor: SinkCursor = { signals: 0, reasoning: 0 };
  #delivered = 0;
  #failures = 0;
  #lastError: string | null = null;
  #lastErrorAt: string | null = null;
  /** Failures since the last delivery that went through: an outage is logged when it starts and when it ends. */
  #outageFailures = 0;
  #behindSince: number | null = null;
  #standby = false;
  /** The background loop, while started. */
  #loop: Promise<void> | null = null;
  #stopRequested = false;
  #attempt: AbortController | null = null;
  #release: (() => Promise<void>) | null = null;
  readonly #wakeable = new Wakeable();

  constructor(
    readonly name: string,
    readonly plugin: string,
    private readonly sink: Sink,
    private readonly storage: SinkStorage,
    private readonly filter: SinkFilter,
    private readonly settings: EngineConfig['delivery'],
    private readonly logger: Logger,
  ) {}

  /** Starts delivering in the background until stopped. */
  start(): void {
    if (this.#loop !== null) return;
    this.#stopRequested = false;
    this.#loop = this.#run();
  }

  /** New signals or texts were stored: look now rather than at the next poll. */
  wake(): void {
    this.#wakeable.wake();
  }

  /** Stops after the attempt under way (aborted) and gives up the sink's lease. */
  async stop(): Promise<void> {
    this.#stopRequested = true;
    this.#attempt?.abort();
    this.#wakeable.wake();
    await this.#loop;
    this.#loop = null;
    await this.#release?.();
    this.#release = null;
  }

  async #run(): Promise<void> {
    while (!this.#stopRequested) {
      let progressed = false;
      try {
        if (await this.#owns()) progressed = await this.pass();
      } catch (error) {
        // The storage failed (not the sink): said like a sink failure, tried again at the next poll.
        this.#fail(`storage: ${isArgoError(error) ? error.message : messageOf(error)}`);
      }
      if (!progressed && !this.#stopRequested) await this.#wakeable.sleep(this.settings.pollMs);
    }
  }

  /** True while this process may deliver for the sink: always, unless the storage shares it between services (a lease). */
  async #owns(): Promise<boolean> {
    if (this.#release !== null || this.storage.acquireSinkLease === undefined) return true;
    const release = await this.storage.acquireSinkLease(this.name);
    if (release === null) {
      if (!this.#standby) this.logger.info({ sink: this.name }, 'another service delivers for this sink; standing by');
      this.#standby = true;
      return false;
    }
    this.#release = release;
    this.#standby = false;
    return true;
  }

  /**
   * Delivers what the storage holds after the cursor, up to `untilSeq` (default: all), a page at
   * a time; answers whether the cursor moved. `deliver` and the CLI's `--deliver` call it directly.
   */
  async pass(untilSeq = Number.POSITIVE_INFINITY): Promise<boolean> {
    this.#cursor = await this.cursor();
    const start = { ...this.#cursor };
    for (;;) {
      const page = (await this.storage.readSignalsAfter(this.#cursor.signals, { limit: this.settings.pageSize })).filter((s) => s.seq <= untilSeq);
      if (page.length === 0) break;
      this.#behindSince ??= Date.now();
      const wanted = page.filter((s) => passes(this.filter, s.signal)).map((s) => sinkMessage('signal', s.seq, s.signal));
      if (!(await this.#deliverAll(wanted, (last) => ({ ...this.#cursor, signals: last.seq })))) return this.#moved(start);
      await this.#moveCursor({ ...this.#cursor, signals: page[page.length - 1].seq });
      if (page.length < this.settings.pageSize) break;
    }
    // A text follows once its signal was delivered (or passed over): never before it.
    for (;;) {
      const texts = await this.storage.readReasoningAfter(this.#cursor.reasoning, this.settings.pageSize);
      const blocked = texts.findIndex((t) => t.signalSeq > this.#cursor.signals);
      const ready = blocked < 0 ? texts : texts.slice(0, blocked);
      if (ready.length === 0) break;
      const wanted = ready.filter((t) => passes(this.filter, t.signal)).map((t) => sinkMessage('reasoning', t.seq, t.signal));
      if (!(await this.#deliverAll(wanted, (last) => ({ ...this.#cursor, reasoning: last.seq })))) return this.#moved(start);
      await this.#moveCursor({ ...this.#cursor, reasoning: ready[ready.length - 1].seq });
      if (blocked >= 0 || texts.length < this.settings.pageSize) break;
    }
    this.#behindSince = null;
    return this.#moved(start);
  }

  /**
   * The sink's cursor; a sink seen for the first time starts at the newest stored signal and
   * text (it delivers what comes from now on; `deliver --from-seq` sends older ones).
   */
  async cursor(): Promise<SinkCursor> {
    const stored = await this.storage.readSinkCursor(this.name);
    if (stored !== null) return stored;
    const [signals, reasoning] = await Promise.all([this.storage.lastSignalSeq(), this.storage.lastReasoningSeq()]);
    await this.storage.writeSinkCursor(this.name, { signals, reasoning });
    return { signals, reasoning };
  }

  /** Moves the cursor back (or on) to deliver again from signal `seq` (`deliver --from-seq`); texts of those signals follow them. */
  async rewind(seq: number): Promise<void> {
    await this.storage.writeSinkCursor(this.name, { signals: Math.max(0, seq - 1), reasoning: 0 });
  }

  #moved(start: SinkCursor): boolean {
    return this.#cursor.signals !== start.signals || this.#cursor.reasoning !== start.reasoning;
  }

  /** Delivers `messages` in the sink's batches, moving the cursor (`advance`) after each; false when stopped midway. */
  async #deliverAll(messages: readonly SinkMessage[], advance: (last: SinkMessage) => SinkCursor): Promise<boolean> {
    const size = Math.max(1, this.sink.batchSize ?? 1);
    for (let i = 0; i < messages.length; i += size) {
      if (this.#stopRequested) return false;
      const batch = messages.slice(i, i + size);
      const outcome = await this.#deliverWithRetries(batch);
      if (outcome === 'stopped') return false;
      if (outcome === 'delivered') this.#delivered += batch.length;
      await this.#moveCursor(advance(batch[batch.length - 1]));
    }
    return true;
  }

  /** Moves the cursor and stores it, unless it is already there (a page's last signal was its last delivery). */
  async #moveCursor(next: SinkCursor): Promise<void> {
    if (next.signals === this.#cursor.signals && next.reasoning === this.#cursor.reasoning) return;
    this.#cursor = next;
    await this.storage.writeSinkCursor(this.name, next);
  }

  async #deliverWithRetries(batch: readonly SinkMessage[]): Promise<'delivered' | 'dead' | 'stopped'> {
    for (let attempt = 1; ; attempt++) {
      const failure = await this.#try(batch);
      if (failure === null) {
        if (this.#outageFailures > 0) this.logger.info({ sink: this.name, failures: this.#outageFailures }, 'sink delivers again');
        this.#outageFailures = 0;
        return 'delivered';
      }
      if (this.#stopRequested) return 'stopped';
      this.#fail(failure.message);
      if (!failure.retryable || attempt >= this.settings.maxAttempts) {
        const failedAt = new Date().toISOString();
        for (const message of batch) await this.storage.saveSinkDeadLetter({ id: deadLetterId(this.name, message), sink: this.name, message, error: failure.message, attempts: attempt, failedAt });
        this.logger.warn({ sink: this.name, messages: batch.length, attempts: attempt, err: failure.message }, 'sink: delivery set aside as a dead letter (argo-signals sinks dead); the cursor moves on');
        return 'dead';
      }
      await this.#wakeable.sleep(Math.min(this.settings.maxRetryWaitMs, backoffMs(this.settings.retryBaseMs, attempt - 1, failure.retryAfterMs)));
      if (this.#stopRequested) return 'stopped';
    }
  }

  /** Sends one message again (a dead letter) with the usual retries; true once acknowledged, false when it failed again (a new dead letter replaces the old). */
  async resend(message: SinkMessage): Promise<boolean> {
    return (await this.#deliverWithRetries([message])) === 'delivered';
  }

  /** One attempt with `message` and nothing kept of it (`sinks test`): the failure's text, or null once acknowledged. */
  async probe(message: SinkMessage): Promise<string | null> {
    return (await this.#try([message]))?.message ?? null;
  }

  /** One attempt, bounded by `delivery.timeoutMs` even when the sink ignores its AbortSignal; null when the peer acknowledged. */
  async #try(batch: readonly SinkMessage[]): Promise<{ message: string; retryable: boolean; retryAfterMs: number } | null> {
    const abort = new AbortController();
    this.#attempt = abort;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abort.abort();
        reject(new SinkDeliveryError(`no acknowledgment within delivery.timeoutMs (${this.settings.timeoutMs} ms)`, { retryable: true }));
      }, this.settings.timeoutMs);
    });
    try {
      await Promise.race([this.sink.deliver(batch, abort.signal), timedOut]);
      return null;
    } catch (error) {
      const retryable = error instanceof SinkDeliveryError ? error.retryable : true;
      // The code is left out of the text: every failure here is a delivery's.
      return { message: isArgoError(error) ? error.message.slice(error.code.length + 2) : `sink "${this.name}" threw: ${messageOf(error)}`, retryable, retryAfterMs: error instanceof SinkDeliveryError ? error.retryAfterMs : 0 };
    } finally {
      clearTimeout(timer);
      this.#attempt = null;
    }
  }

  #fail(message: string): void {
    this.#failures++;
    this.#lastError = message;
    this.#lastErrorAt = new Date().toISOString();
    if (this.#outageFailures++ === 0) this.logger.warn({ sink: this.name, err: message }, 'sink: delivery failed; retrying with backoff (logged once until it delivers again)');
  }

  /** Where the sink stands (the storage asked for its newest sequence and dead letters). */
  async state(): Promise<SinkState> {
    const [last, dead] = await Promise.all([this.storage.lastSignalSeq(), this.storage.querySinkDeadLetters(this.name)]);
    const cursor = this.#loop === null ? ((await this.storage.readSinkCursor(this.name)) ?? { signals: 0, reasoning: 0 }) : this.#cursor;
    const status = this.#loop === null ? 'stopped' : this.#standby ? 'standby' : this.#outageFailures > 0 ? 'retrying' : 'delivering';
    const lagSignals = Math.max(0, last - cursor.signals);
    return {
      name: this.name,
      plugin: this.plugin,
      status,
      cursor,
      lagSignals,
      lagSeconds: lagSignals === 0 || this.#behindSince === null ? 0 : (Date.now() - this.#behindSince) / 1000,
      delivered: this.#delivered,
      failures: this.#failures,
      deadLetters: dead.length,
      lastError: this.#lastError,
      lastErrorAt: this.#lastErrorAt,
    };
  }
}
