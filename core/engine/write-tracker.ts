import type { CycleStats, StatsReport } from './cycle-stats';
import { ArgoError, isArgoError, messageOf } from '../errors/errors';
import { InFlight } from '../util/in-flight';
import type { Logger } from '../util/logger';
import type { Storage } from '../plugin-system/plugin-contracts';
import type { Signal } from '../domain/domain';
import type { RunEvents } from './run-events';

/** Unstored signals a tracker holds for {@link WriteTracker.saveHeld}; beyond it the oldest is given up (logged). */
const MAX_HELD = 10_000;

/**
 * The signals handed to storage and not yet acknowledged. The pipeline does not wait for
 * each save (a batching storage acknowledges a whole batch at once); the runners settle
 * the pending saves at cycle ends, asking the storage to flush first, so a cycle reported
 * as done has every signal it produced on disk. A signal whose save failed is held (up to
 * {@link MAX_HELD}), so a live service saves it again at its next cycle and its history
 * keeps no hole once the storage is back; saves are idempotent by id.
 */
export class WriteTracker {
  readonly #pending = new InFlight();
  readonly #held = new Map<string, Signal>();
  /** Ids the storage held before the cycle in progress: saving one again stores nothing new. */
  #known: ReadonlySet<string> = new Set();

  constructor(
    private readonly storage: Storage,
    private readonly stats: CycleStats,
    private readonly logger: Logger,
    private readonly events: RunEvents,
  ) {}

  /** Follows the save of `signal`: true once acknowledged (and told as `stored`), false (logged, counted and held) when it failed; never rejects. */
  track(write: Promise<void>, signal: Signal): Promise<boolean> {
    const { id } = signal;
    const settled = write.then(
      () => {
        if (this.#held.delete(id)) this.stats.storageRestored++;
        this.stats.storageAcknowledged++;
        const repeated = this.#known.has(id);
        if (repeated) this.stats.storageRepeated++;
        this.events.emit('stored', signal, repeated);
        return true;
      },
      (error: unknown) => {
        this.stats.storageFailed++;
        this.stats.storageDeadLettered = this.storage.deadLetters?.() ?? 0;
        this.#hold(signal);
        // After a full disk every write fails alike: the first is logged, the rest are counted.
        if (this.stats.storageStoppedBy !== null) return false;
        if (isArgoError(error, 'ARGO_ERR_STORAGE_FULL')) this.stats.storageStoppedBy = error.message;
        this.logger.error({ signal: id, err: messageOf(error) }, 'signal not stored');
        return false;
      },
    );
    this.#pending.track(settled);
    return settled;
  }

  /** The ids the storage holds already for the cycle about to run (its bars' dates). */
  knowStored(ids: ReadonlySet<string>): void {
    this.#known = ids;
  }

  #hold(signal: Signal): void {
    this.#held.delete(signal.id);
    this.#held.set(signal.id, signal);
    if (this.#held.size <= MAX_HELD) return;
    const [oldest] = this.#held.keys();
    this.#held.delete(oldest);
    this.logger.error({ signal: oldest, held: MAX_HELD }, 'too many unstored signals held; the oldest is given up (it stays in the log and any dead-letter file)');
  }

  /** Signals whose save failed and that no later save has stored. */
  get held(): number {
    return this.#held.size;
  }

  /**
   * Hands every held signal to storage again (in the order they failed) and waits for the
   * answers: the live service does so before each cycle. A storage that is back clears the
   * stop a full disk set; one that still fails keeps them held.
   */
  async saveHeld(): Promise<void> {
    if (this.#held.size === 0) return;
    this.stats.storageStoppedBy = null;
    for (const signal of [...this.#held.values()]) this.track(this.storage.save(signal), signal);
    await this.settle(0);
  }

  /** Saves handed to storage and not yet acknowledged. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Waits until at most `limit` saves are pending (0: all settled), flushing the storage first. */
  async settle(limit = 0): Promise<void> {
    while (this.#pending.size > limit) {
      await this.storage.flush?.();
      if (this.#pending.size > limit) await this.#pending.any();
    }
  }
}

/**
 * The error a run ends with when signals were not stored, null when all were: a full disk
 * (ARGO_ERR_STORAGE_FULL, the run stopped at once) or other failed writes (ARGO_ERR_STORAGE_WRITE).
 */
export function storageFailure(stats: StatsReport, cause?: unknown): ArgoError | null {
  const { acknowledged, restored, deadLettered, stoppedBy } = stats.storage;
  const failed = stats.storage.failed - restored;
  if (failed === 0) return null;
  if (stoppedBy !== null) {
    return new ArgoError(
      'ARGO_ERR_STORAGE_FULL',
      `writing stopped because the disk is full: ${failed} of ${acknowledged + failed} signals were not stored (${acknowledged} were, and stay); first failure: ${stoppedBy.replace(/^ARGO_ERR_STORAGE_FULL: /, '')}`,
      { cause },
    );
  }
  const where = deadLettered > 0 ? `see the log, and the storage's dead-letter file for ${deadLettered} of them` : 'see the log';
  return new ArgoError('ARGO_ERR_STORAGE_WRITE', `${failed} of ${acknowledged + failed} signals were not stored (${where})`, { cause });
}
