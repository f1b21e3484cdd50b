import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Direction } from '../../core/domain/domain';
import { seededRandom } from '../../core/util/seeded-random';

/** One network source of the incumbent's kind, with the latency range its answers take. */
export interface ModelSource {
  readonly name: string;
  readonly kind: 'market-data' | 'technical' | 'sentiment' | 'ai';
  readonly weight: number;
  readonly minMs: number;
  readonly maxMs: number;
}

/**
 * The latency model, calibrated so that the incumbent arm (market data first, then the
 * others in parallel; texts one after another) lands in the seed's "current" figures: one
 * symbol ≈ market 80-150 + the slowest of the rest (the AI-like sources, 200-450) + one text
 * 100-300 ≈ 0.6-1.0 s; six symbols ≈ the slowest symbol's sources ≈ 0.55-0.6 s + six texts
 * one after another ≈ 1.2 s, ≈ 1.7-2.0 s. Uniform draws, seeded by source, symbol and cycle.
 */
export const MODEL_SOURCES: readonly ModelSource[] = [
  { name: 'market', kind: 'market-data', weight: 1.5, minMs: 90, maxMs: 160 },
  { name: 'trend', kind: 'technical', weight: 1.2, minMs: 20, maxMs: 60 },
  { name: 'momentum', kind: 'technical', weight: 1.2, minMs: 20, maxMs: 60 },
  { name: 'sentiment', kind: 'sentiment', weight: 0.6, minMs: 120, maxMs: 280 },
  { name: 'ai-fast', kind: 'ai', weight: 0.8, minMs: 220, maxMs: 480 },
  { name: 'ai-deep', kind: 'ai', weight: 0.8, minMs: 220, maxMs: 480 },
];

/** The LLM-like explainer: 100-300 ms a text. */
export const EXPLAINER_MS = { min: 100, max: 300 } as const;

/**
 * What a source says of a symbol, the same every cycle: a third of the symbols are clear
 * (every source agrees strongly), the rest are mixed (the fast sources disagree or shrug), as
 * in a live universe where most symbols are not worth a signal.
 */
export function modelOpinion(source: ModelSource, symbol: string, seed: number): { direction: Direction; confidence: number } {
  const random = seededRandom(seed, 'bench-cycle-opinion', symbol);
  const clear = random() < 1 / 3;
  const long = random() < 0.5;
  const own = seededRandom(seed, 'bench-cycle-opinion', symbol, source.name)();
  if (clear) return { direction: long ? 'LONG' : 'SHORT', confidence: 82 + own * 15 };
  const directions: Direction[] = ['LONG', 'SHORT', 'NEUTRAL'];
  return { direction: directions[Math.floor(own * 3)], confidence: 30 + own * 30 };
}

function drawMs(min: number, max: number, seed: number, ...key: (string | number)[]): number {
  return min + seededRandom(seed, 'bench-cycle-latency', ...key.map(String))() * (max - min);
}

/** A running model server: its address and how many calls it answered. */
export interface LatencyServer {
  readonly url: string;
  readonly calls: { sources: number; texts: number };
  close(): Promise<void>;
}

/**
 * A local HTTP server answering the six sources (`GET /source/:name?symbol&cycle`) and the
 * explainer (`GET /explain?symbol&cycle`) after their seeded latencies: real waiting, real sockets.
 */
export async function startLatencyServer(seed: number): Promise<LatencyServer> {
  const byName = new Map(MODEL_SOURCES.map((s) => [s.name, s]));
  const calls = { sources: 0, texts: 0 };
  const answer = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const symbol = url.searchParams.get('symbol') ?? '';
    const cycle = url.searchParams.get('cycle') ?? '0';
    const [, route, name] = url.pathname.split('/');
    let body: unknown;
    if (route === 'source' && byName.has(name)) {
      const source = byName.get(name)!;
      calls.sources++;
      await sleep(drawMs(source.minMs, source.maxMs, seed, name, symbol, cycle));
      body = modelOpinion(source, symbol, seed);
    } else if (route === 'explain') {
      calls.texts++;
      await sleep(drawMs(EXPLAINER_MS.min, EXPLAINER_MS.max, seed, 'explain', symbol, cycle));
      body = { text: `${symbol}: the sources agree (cycle ${cycle}).` };
    } else {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const server = createServer((request, response) => void answer(request, response));
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
