/**
 * The load side of `bench serve`, in a process of its own so the service's event loop serves
 * only: autocannon asks `GET /v1/signals?symbol=…&limit=50` for `seconds` while an event-stream
 * client notes when each signal arrives (epoch ms, comparable across processes on one machine).
 * Prints one JSON object.
 */
import autocannon from 'autocannon';

const epochMs = () => performance.timeOrigin + performance.now();

async function followStream(url: string, receipts: [string, number][], abort: AbortSignal): Promise<void> {
  const response = await fetch(`${url}/v1/stream`, { signal: abort });
  const decoder = new TextDecoder();
  let buffered = '';
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      const at = epochMs();
      buffered += decoder.decode(chunk, { stream: true });
      let end;
      while ((end = buffered.indexOf('\n\n')) >= 0) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        if (!block.includes('event: signal')) continue;
        const data = block.split('\n').find((line) => line.startsWith('data: '));
        if (data !== undefined) receipts.push([(JSON.parse(data.slice(6)) as { id: string }).id, at]);
      }
    }
  } catch {
    // aborted at the end of the load
  }
}

async function main(): Promise<void> {
  const [url, seconds, connections, symbolList] = process.argv.slice(2);
  const symbols = symbolList.split(',');
  const receipts: [string, number][] = [];
  const abort = new AbortController();
  const stream = followStream(url, receipts, abort.signal);
  let next = 0;
  const result = await autocannon({
    url,
    connections: Number(connections),
    duration: Number(seconds),
    requests: [
      {
        method: 'GET',
        setupRequest: (request) => ({ ...request, path: `/v1/signals?symbol=${symbols[next++ % symbols.length]}&limit=50` }),
      },
    ],
  });
  // Signals of the last cycle may still be on their way.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  abort.abort();
  await stream;
  process.stdout.write(
    JSON.stringify({
      requestsPerSecond: result.requests.average,
      requests: result.requests.total,
      latencyMs: { p50: result.latency.p50, p99: result.latency.p99 },
      errors: result.errors,
      non2xx: result.non2xx,
      receipts,
    }),
  );
}

void main().catch((error: unknown) => {
  process.stderr.write(String(error));
  process.exitCode = 1;
});
