import { messageOf } from '../../../core/errors/errors';
import type { Logger } from '../../../core/util/logger';
import { Connection } from './connection';

/**
 * Copies the WAL into the database file on a connection of its own, so the writer's commits
 * never pay for it (SQLite's automatic checkpoint runs inside the committing call and, with
 * a batch of 100 signals, cost the writer half its throughput). One checkpoint runs at a
 * time; commits that arrive meanwhile ask for one more. PASSIVE never waits for the writer
 * or for readers; the writer keeps an automatic checkpoint at a larger WAL size as the net
 * that lets the WAL restart when this one always lags a batch behind.
 */
export class Checkpointer {
  #running: Promise<void> | undefined;
  #again = false;
  #closed = false;

  private constructor(
    private readonly connection: Connection,
    private readonly logger: Logger,
  ) {}

  static async open(file: string, busyTimeoutMs: number, logger: Logger): Promise<Checkpointer> {
    return new Checkpointer(await Connection.open(file, 'readwrite', busyTimeoutMs), logger);
  }

  /** Asks for a checkpoint after a commit; returns at once. */
  request(): void {
    if (this.#closed) return;
    if (this.#running !== undefined) {
      this.#again = true;
      return;
    }
    this.#running = this.#run().finally(() => {
      this.#running = undefined;
      if (this.#again) {
        this.#again = false;
        this.request();
      }
    });
  }

  /** Waits for the running checkpoint, copies what is left and empties the WAL file. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#again = false;
    await this.#running;
    await this.connection.all('PRAGMA wal_checkpoint(TRUNCATE)').catch((error: unknown) => this.#failed(error));
    await this.connection.close();
  }

  async #run(): Promise<void> {
    await this.connection.all('PRAGMA wal_checkpoint(PASSIVE)').catch((error: unknown) => this.#failed(error));
  }

  #failed(error: unknown): void {
    // A checkpoint that fails loses nothing (the frames stay in the WAL for the next one).
    this.logger.warn({ err: messageOf(error) }, 'sqlite checkpoint failed');
  }
}
