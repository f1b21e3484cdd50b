import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** One request a receiver got. */
export interface Received {
  readonly at: number;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly raw: string;
  readonly body: any;
}

/** How a receiver answers the request number `n` (from 0): a status and headers, or `hang` to never answer. */
export type Answer = (n: number, request: Received) => { status: number; headers?: Record<string, string>; body?: string; delayMs?: number } | 'hang';

/** A local HTTP server that records every request and answers as `answer` says. */
export class Receiver {
  readonly requests: Received[] = [];
  readonly #open = new Set<ServerResponse>();
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(answer: Answer = () => ({ status: 204 })): Promise<Receiver> {
    let self: Receiver;
    const server = createServer((request, response) => {
      let raw = '';
      request.on('data', (chunk) => (raw += chunk)).on('end', () => {
        let body: unknown = null;
        try {
          body = JSON.parse(raw);
        } catch {
          body = raw;
        }
        const received = { at: Date.now(), path: request.url ?? '', headers: request.headers, raw, body };
        const n = self.requests.length;
        self.requests.push(received);
        const reply = answer(n, received);
        if (reply === 'hang') {
          self.#open.add(response);
          return;
        }
        setTimeout(() => response.writeHead(reply.status, reply.headers).end(reply.body ?? ''), reply.delayMs ?? 0);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    self = new Receiver(server, `http://127.0.0.1:${port}`);
    return self;
  }

  close(): Promise<void> {
    for (const response of this.#open) response.destroy();
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
