import type { CycleStats, StatsReport } from './cycle-stats';
import { ArgoError, isArgoError, messageOf } from '../errors/errors';
import { InFlight } from '../util/in-flight';
import type { Logger } from '../util/logger';
import type { Storage } from '../plugin-system/plugin-contracts';
import type { Signal } from '../domain/domain';
import type { RunEvents } from './run-events';

/**
 * The signals handed to storage and not yet acknowledged. The pipeline does not wait for
 * each save (a batching storage acknowledges a whole batch at once); the runners settle
 * the pending saves at cycle ends, asking the storage to flush first, so a cycle reported
 * as done has every signal it produced on disk.
 */
export class WriteTracker {
  readonly #pending = new InFlight();

  constructor(
    private readonly storage: Storage,
    private readonly stats: CycleStats,
    private readonly logger: Logger,
    private readonly events: RunEvents,
  ) {}

  /** Follows the save of `signal`: true once acknowledged (and told as `stored`), false (logged and counted) when it failed; never rejects. */
  track(write: Promise<void>, signal: Signal): Promise<boolean> {
    const { id } = signal;
    const settled = write.then(
      () => {
        this.stats.storageAcknowledged++;
        this.events.emit('stored', signal);
        return true;
      },
      (error: unknown) => {
        this.stats.storageFailed++;
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
  const { acknowledged, failed, stoppedBy } = stats.storage;
  if (stoppedBy !== null) {
    return new ArgoError(
      'ARGO_ERR_STORAGE_FULL',
      `writing stopped because the disk is full: ${failed} of ${acknowledged + failed} signals were not stored (${acknowledged} were, and stay); first failure: ${stoppedBy.replace(/^ARGO_ERR_STORAGE_FULL: /, '')}`,
      { cause },
    );
  }
  if (failed > 0) return new ArgoError('ARGO_ERR_STORAGE_WRITE', `${failed} of ${acknowledged + failed} signals were not stored (see the log and the dead-letter file)`, { cause });
  return null;
}
