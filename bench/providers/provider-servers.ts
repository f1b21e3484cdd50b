/**
 * Local HTTP servers speaking each provider's documented JSON, serving the bars they are given
 * (read from ../shared/data), with faults injected request by request: for tests and benchmarks.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bar } from '../../core/domain/domain';

/** What the next request gets instead of its answer. */
export type Fault = { status: number; retryAfter?: string; location?: string } | { body: unknown } | { bytes: number } | 'truncate' | 'hang';

export interface ProviderServer {
  readonly url: string;
  /** Every request: its URL, headers and when it came (ms since the epoch). */
  readonly requests: { url: string; headers: IncomingMessage['headers']; at: number }[];
  /** Faults for the next requests, one each, in order. */
  readonly faults: Fault[];
  close(): Promise<void>;
}

type Handler = (url: URL, request: IncomingMessage, base: string) => { status: number; body: unknown; headers?: Record<string, string> };

async function startServer(handle: Handler): Promise<ProviderServer> {
  const requests: ProviderServer['requests'] = [];
  const faults: Fault[] = [];
  const hung: ServerResponse[] = [];
  const server = createServer((request, response) => {
    requests.push({ url: request.url ?? '', headers: request.headers, at: Date.now() });
    const fault = faults.shift();
    if (fault === 'hang') return void hung.push(response);
    if (fault === 'truncate') {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '5000' });
      response.write('{"bars": {"AAPL": [{"t": "2013-');
      setTimeout(() => response.destroy(), 20);
      return;
    }
    if (fault !== undefined && 'body' in fault) {
      response.writeHead(200, { 'content-type': 'application/json' });
      return void response.end(JSON.stringify(fault.body));
    }
    if (fault !== undefined && 'bytes' in fault) {
      // A page too large for any client: streamed without a Content-Length, as a chunked body is.
      response.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let sent = 0;
      const more = () => {
        while (sent < fault.bytes && !response.destroyed) {
          sent += chunk.length;
          if (!response.write(chunk)) return void response.once('drain', more);
        }
        response.end();
      };
      response.on('error', () => undefined);
      return more();
    }
    if (fault !== undefined) {
      const headers = { ...(fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter }), ...(fault.location === undefined ? {} : { location: fault.location }) };
      response.writeHead(fault.status, { 'content-type': 'application/json', ...headers });
      return void response.end('{"message": "injected"}');
    }
    const { port } = server.address() as AddressInfo;
    const answer = handle(new URL(request.url ?? '/', `http://127.0.0.1:${port}`), request, `http://127.0.0.1:${port}`);
    response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    response.end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    faults,
    close: () =>
      new Promise<void>((resolve) => {
        for (const response of hung) response.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const openMs = (date: string) => Date.parse(`${date}T00:00:00Z`);

/** Alpaca Market Data v2 `GET /v2/stocks/bars`: pages of `pageSize` bars across the symbols in name order. */
export function alpacaServer(bars: ReadonlyMap<string, readonly Bar[]>, pageSize: number, keys: { id: string; secret: string }): Promise<ProviderServer> {
  return startServer((url, request) => {
    if (request.headers['apca-api-key-id'] !== keys.id || request.headers['apca-api-secret-key'] !== keys.secret) return { status: 403, body: { message: 'forbidden.' } };
    const start = url.searchParams.get('start') ?? '0000';
    const symbols = (url.searchParams.get('symbols') ?? '').split(',').sort();
    const all = symbols.flatMap((symbol) => (bars.get(symbol) ?? []).filter((b) => b.date >= start).map((bar) => ({ symbol, bar })));
    const from = Number(url.searchParams.get('page_token') ?? 0);
    const page = all.slice(from, from + pageSize);
    const grouped: Record<string, unknown[]> = {};
    for (const { symbol, bar } of page) (grouped[symbol] ??= []).push({ t: bar.date.length === 10 ? `${bar.date}T05:00:00Z` : bar.date, o: bar.open, h: bar.high, l: bar.low, c: bar.close, v: bar.volume, n: 1000, vw: bar.close });
    return { status: 200, body: { bars: grouped, next_page_token: from + pageSize < all.length ? String(from + pageSize) : null } };
  });
}

/** Binance `GET /api/v3/klines`: arrays with prices as strings, `limit` rows from `startTime`, the used weight in a header. */
export function binanceServer(bars: ReadonlyMap<string, readonly Bar[]>): Promise<ProviderServer> {
  let weight = 0;
  return startServer((url) => {
    const symbol = url.searchParams.get('symbol') ?? '';
    weight += 2;
    const headers = { 'x-mbx-used-weight-1m': String(weight) };
    if (!bars.has(symbol)) return { status: 400, body: { code: -1121, msg: 'Invalid symbol.' }, headers };
    const startTime = Number(url.searchParams.get('startTime') ?? 0);
    const limit = Number(url.searchParams.get('limit') ?? 500);
    const rows = bars
      .get(symbol)!
      .filter((b) => openMs(b.date) >= startTime)
      .slice(0, limit)
      .map((b) => [openMs(b.date), String(b.open), String(b.high), String(b.low), String(b.close), String(b.volume), openMs(b.date) + 86_399_999, '0', 10, '0', '0', '0']);
    return { status: 200, body: rows, headers };
  });
}

/** Massive `GET /v2/aggs/ticker/{t}/range/1/day/{from}/{to}`: `pageSize` results a page, the rest through `next_url`. */
export function massiveServer(bars: ReadonlyMap<string, readonly Bar[]>, pageSize: number, apiKey: string): Promise<ProviderServer> {
  return startServer((url, _request, base) => {
    if (url.searchParams.get('apiKey') !== apiKey) return { status: 401, body: { status: 'ERROR', error: 'Unknown API Key' } };
    const [, , , , ticker, , , , from, to] = url.pathname.split('/');
    const fromMs = /^\d+$/.test(from) ? Number(from) : openMs(from);
    const series = (bars.get(ticker) ?? []).filter((b) => openMs(b.date) >= fromMs && b.date <= to);
    const page = series.slice(0, pageSize);
    const next = series[pageSize];
    const results = page.map((b) => ({ v: b.volume, vw: b.close, o: b.open, c: b.close, h: b.high, l: b.low, t: openMs(b.date), n: 100 }));
    return {
      status: 200,
      body: {
        ticker,
        queryCount: page.length,
        resultsCount: page.length,
        adjusted: true,
        ...(results.length > 0 ? { results } : {}),
        status: 'OK',
        request_id: 'test',
        ...(next === undefined ? {} : { next_url: `${base}/v2/aggs/ticker/${ticker}/range/1/day/${openMs(next.date)}/${to}?cursor=c${openMs(next.date)}` }),
      },
    };
  });
}
