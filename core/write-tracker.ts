import type { CycleStats } from './cycle-stats';
import { messageOf } from './errors';
import { InFlight } from './in-flight';
import type { Logger } from './logger';
import type { Storage } from './plugin-contracts';

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
  ) {}

  /** Follows one save: true once acknowledged, false (logged and counted) when it failed; never rejects. */
  track(write: Promise<void>, id: string): Promise<boolean> {
    const settled = write.then(
      () => {
        this.stats.storageAcknowledged++;
        return true;
      },
      (error: unknown) => {
        this.stats.storageFailed++;
        this.logger.error({ signal: id, err: messageOf(error) }, 'signal not stored');
        return false;
      },
    );
    this.#pending.track(settled);
    return settled;
  }

  /** Waits until at most `limit` saves are pending (0: all settled), flushing the storage first. */
  async settle(limit = 0): Promise<void> {
    while (this.#pending.size > limit) {
      await this.storage.flush?.();
      if (this.#pending.size > limit) await this.#pending.any();
    }
  }
}
