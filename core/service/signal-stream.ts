import type { ServerResponse } from 'node:http';
import type { Storage } from '../plugin-system/plugin-contracts';
import type { Logger } from '../util/logger';

/** Signals read from storage per page while catching up or tailing. */
const PAGE = 500;
/** A client whose unsent output passes this is closed: it reconnects with Last-Event-ID and catches up from storage. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** A comment line this often keeps proxies from closing an idle stream. */
const HEARTBEAT_MS = 15_000;

interface Client {
  readonly response: ServerResponse;
  /** The last signal sequence this client was sent. */
  cursor: number;
  /** False while it catches up from storage; broadcasts skip it then. */
  live: boolean;
  /** Closed for reading too slowly: nothing more is sent, and it is said once. */
  dropped: boolean;
}

/** One Server-Sent Event; `id` only for signals, whose sequence is what Last-Event-ID resumes from. */
function eventText(event: string, data: unknown, id?: number): string {
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * The service's event stream. Signals are read from storage in write order, never taken from
 * memory: a `stored` notice only wakes the tailer, which reads every signal after the last
 * one it sent. So each client gets each durable signal once, in order, with its sequence as
 * the event id, and one that reconnects with Last-Event-ID catches up from storage first (one
 * whose id is after the newest stored signal gets a `reset` event, id the newest, and goes on
 * from there).
 * Tailing and catching up run one at a time on one chain, so no signal can fall between a
 * client's catch-up and its first live event.
 */
export class SignalStream {
  readonly #clients = new Set<Client>();
  readonly #heartbeat: NodeJS.Timeout;
  #chain: Promise<void> = Promise.resolve();
  #tailQueued = false;
  /** The last sequence the tailer has sent to live clients. */
  #seq: number;

  private constructor(
    private readonly storage: Required<Pick<Storage, 'readSignalsAfter'>>,
    private readonly logger: Logger,
    startSeq: number,
  ) {
    this.#seq = startSeq;
    this.#heartbeat = setInterval(() => this.#broadcast(': keep-alive\n\n'), HEARTBEAT_MS);
    this.#heartbeat.unref();
  }

  /** A stream starting after the newest signal in `storage`. */
  static async open(storage: Required<Pick<Storage, 'readSignalsAfter' | 'lastSignalSeq'>>, logger: Logger): Promise<SignalStream> {
    return new SignalStream(storage, logger, await storage.lastSignalSeq());
  }

  /** Open streams. */
  get size(): number {
    return this.#clients.size;
  }

  /** Reads the signals stored since the last read and sends them; calls made while one is queued join it. */
  signalsStored(): void {
    if (this.#tailQueued) return;
    this.#tailQueued = true;
    this.#enqueue(async () => {
      this.#tailQueued = false;
      for (;;) {
        const page = await this.storage.readSignalsAfter(this.#seq, { limit: PAGE });
        for (const { seq, signal } of page) {
          for (const client of this.#clients) if (client.live && seq > client.cursor) this.#send(client, eventText('signal', signal, seq), seq);
          this.#seq = seq;
        }
        if (page.length < PAGE) return;
      }
    });
  }

  /**
   * Sends an event without an id (a reasoning text, a cycle's statistics) to every live
   * client, after the signals already stored: a cycle's event comes after its signals.
   */
  publish(event: 'reasoning' | 'cycle', data: unknown): void {
    const text = eventText(event, data);
    this.#enqueue(async () => this.#broadcast(text));
  }

  /**
   * Streams to `response` (headers not yet sent): after `lastEventId` when given (the signals
   * stored since, read from storage), otherwise from now on.
   */
  join(response: ServerResponse, lastEventId: number | null): void {
    response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    response.write('retry: 1000\n\n');
    const client: Client = { response, cursor: lastEventId ?? 0, live: false, dropped: false };
    this.#clients.add(client);
    response.on('close', () => this.#clients.delete(client));
    this.#enqueue(async () => {
      if (lastEventId === null) client.cursor = this.#seq;
      if (client.cursor > this.#seq) {
        // A Last-Event-ID this storage never reached (a restored or another database): say so, and go on from now.
        const reset = { lastEventId: client.cursor, newest: this.#seq, reason: `Last-Event-ID ${client.cursor} is after the newest stored signal (${this.#seq}); the stream goes on from ${this.#seq}` };
        client.cursor = this.#seq;
        this.#send(client, eventText('reset', reset, this.#seq));
      }
      while (client.cursor < this.#seq && this.#clients.has(client)) {
        const page = await this.storage.readSignalsAfter(client.cursor, { limit: PAGE });
        if (page.length === 0) break;
        for (const { seq, signal } of page) if (seq <= this.#seq) this.#send(client, eventText('signal', signal, seq), seq);
        if (page.at(-1)!.seq >= this.#seq) break;
      }
      client.live = true;
    });
  }

  /** Ends every stream (the service stops). */
  close(): void {
    clearInterval(this.#heartbeat);
    for (const client of this.#clients) client.response.end();
    this.#clients.clear();
  }

  #send(client: Client, text: string, seq?: number): void {
    if (client.dropped) return;
    if (client.response.writableLength > MAX_BUFFERED_BYTES) {
      client.dropped = true;
      this.logger.warn({ bufferedBytes: client.response.writableLength }, 'an event-stream client reads too slowly; closed (it resumes with Last-Event-ID)');
      client.response.destroy();
      this.#clients.delete(client);
      return;
    }
    client.response.write(text);
    if (seq !== undefined) client.cursor = seq;
  }

  #broadcast(text: string): void {
    for (const client of this.#clients) if (client.live) this.#send(client, text);
  }

  #enqueue(task: () => Promise<void>): void {
    this.#chain = this.#chain.then(task).catch((error: unknown) => this.logger.error({ err: String(error) }, 'the event stream could not read signals from storage; the next one tries again'));
  }
}
