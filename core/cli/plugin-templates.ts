/**
 * The source of a new plugin package, one definition per kind, each small, commented, and
 * passing its kind's conformance suite as written. `NAME` and `API` are replaced when written.
 */
import type { PluginKind } from '../plugin-system/define-plugin';

/** What a template gives: the definition (src/index.ts) and the test that runs the kit (src/index.test.ts). */
export interface PluginTemplate {
  readonly description: string;
  readonly definition: string;
  readonly test: string;
}

const kitTest = (suite: string, options = '') => `import { describe, it } from 'node:test';
import { ${suite} } from 'argo-signals/testing';
import plugin from './index';

// The conformance suite of this kind: the checks argo-signals runs on every built-in plugin.
${suite}({ describe, it }, plugin${options});
`;

export const PLUGIN_TEMPLATES: Readonly<Record<PluginKind, PluginTemplate>> = {
  source: {
    description: 'A source plugin for argo-signals: follows the move of the last closes.',
    definition: `import { defineSourcePlugin } from 'argo-signals/plugin';

interface Options {
  lookback: number;
  fullMovePct: number;
}

/** LONG after a rise over \`lookback\` closes, SHORT after a fall; a bigger move, more confidence. */
export default defineSourcePlugin<Options>({
  name: 'NAME',
  version: '0.1.0',
  apiVersion: 'API',
  description: 'Follows the move of the last closes.',
  options: {
    lookback: { doc: 'Closes the move is measured over.', format: 'nat', default: 10 },
    fullMovePct: { doc: 'Move, in %, that gives confidence 100.', format: Number, default: 10 },
  },
  create({ options }) {
    return {
      // bars is a point-in-time view: it ends at the day asked about and refuses later bars.
      opinion({ bars }) {
        if (bars.length <= options.lookback) return { direction: 'NEUTRAL', confidence: 0 };
        const first = bars.at(bars.length - 1 - options.lookback).close;
        const movePct = (100 * (bars.last.close - first)) / first;
        const confidence = Math.min(100, (100 * Math.abs(movePct)) / options.fullMovePct);
        return { direction: movePct > 0 ? 'LONG' : movePct < 0 ? 'SHORT' : 'NEUTRAL', confidence, features: { movePct } };
      },
    };
  },
});
`,
    test: kitTest('sourceSuite'),
  },
  consensus: {
    description: 'A consensus plugin for argo-signals: the weighted mean of signed confidences.',
    definition: `import { defineConsensusPlugin, type WeightedOpinion } from 'argo-signals/plugin';

const SIGN = { LONG: 1, SHORT: -1, NEUTRAL: 0 } as const;

function totals(opinions: readonly WeightedOpinion[]): { score: number; weight: number } {
  let score = 0;
  let weight = 0;
  for (const { weight: w, opinion } of opinions) {
    score += w * SIGN[opinion.direction] * opinion.confidence;
    weight += w;
  }
  return { score, weight };
}

/** The weighted mean of signed confidences over the sources that answered. */
export default defineConsensusPlugin({
  name: 'NAME',
  version: '0.1.0',
  apiVersion: 'API',
  description: 'Weighted mean of signed confidences.',
  create() {
    return {
      combine(opinions) {
        const { score, weight } = totals(opinions);
        if (weight === 0) return { direction: 'NEUTRAL', confidence: 0, contributions: {} };
        const mean = score / weight;
        const contributions = Object.fromEntries(opinions.map((o) => [o.source, (o.weight * SIGN[o.opinion.direction] * o.opinion.confidence) / weight]));
        return { direction: mean > 0 ? 'LONG' : mean < 0 ? 'SHORT' : 'NEUTRAL', confidence: Math.min(100, Math.abs(mean)), contributions };
      },
      // The best any completion can do: every remaining source answering 100 on the leading side.
      // The lossless early exit trusts this never to be below a reachable confidence.
      upperBound(fetched, remainingWeights) {
        const { score, weight } = totals(fetched);
        const remaining = remainingWeights.reduce((sum, w) => sum + w, 0);
        return weight + remaining === 0 ? 0 : Math.min(100, (Math.abs(score) + 100 * remaining) / (weight + remaining));
      },
    };
  },
});
`,
    test: kitTest('consensusSuite'),
  },
  'early-exit-strategy': {
    description: 'An early-exit strategy for argo-signals: the heaviest sources first, then stop when the bar is out of reach.',
    definition: `import { defineEarlyExitPlugin } from 'argo-signals/plugin';

interface Options {
  firstWave: number;
}

/** Asks the heaviest sources first and stops when the consensus can no longer reach the minimum. */
export default defineEarlyExitPlugin<Options>({
  name: 'NAME',
  version: '0.1.0',
  apiVersion: 'API',
  description: 'Heaviest sources first; stops when the upper bound is below the minimum confidence.',
  options: {
    firstWave: { doc: 'Sources in the first wave, heaviest first (0: all at once).', format: 'nat', default: 1 },
  },
  create({ options }) {
    return {
      plan(sources) {
        const byWeight = [...sources].sort((a, b) => b.weight - a.weight).map((s) => s.name);
        const first = options.firstWave === 0 ? byWeight.length : Math.min(options.firstWave, byWeight.length);
        return first === byWeight.length ? [byWeight] : [byWeight.slice(0, first), byWeight.slice(first)];
      },
      // Decide from the state alone: the same state must always give the same decision.
      afterWave: ({ upperBound, minConfidence }) => (upperBound < minConfidence ? { stop: true, reason: 'out-of-reach' } : { stop: false }),
    };
  },
});
`,
    test: kitTest('earlyExitSuite'),
  },
  explainer: {
    description: 'An explainer for argo-signals: a plain sentence from the consensus and its strongest sources.',
    definition: `import { defineExplainerPlugin } from 'argo-signals/plugin';

/** Writes one sentence from the consensus and its strongest contributions. */
export default defineExplainerPlugin({
  name: 'NAME',
  version: '0.1.0',
  apiVersion: 'API',
  description: 'One sentence from the consensus and its strongest sources.',
  create() {
    return {
      explain({ action, symbol, asOf, consensus, regime }) {
        const strongest = Object.entries(consensus.contributions)
          .sort(([, a], [, b]) => Math.abs(b) - Math.abs(a))
          .slice(0, 2)
          .map(([source]) => source)
          .join(' and ');
        return \`\${action} \${symbol} as of \${asOf}: \${consensus.direction} at \${consensus.confidence.toFixed(1)}%, led by \${strongest || 'no source'}, in a \${regime} market.\`;
      },
    };
  },
});
`,
    test: kitTest('explainerSuite'),
  },
  'reasoning-cache': {
    description: 'A reasoning cache for argo-signals: texts in memory, with a TTL on the run clock and a size bound.',
    definition: `import { defineReasoningCachePlugin } from 'argo-signals/plugin';

interface Options {
  maxEntries: number;
  ttlMs: number;
}

/** Texts in memory, oldest evicted first beyond maxEntries, expired on the run's clock. */
export default defineReasoningCachePlugin<Options>({
  name: 'NAME',
  version: '0.1.0',
  apiVersion: 'API',
  description: 'In-memory texts with a TTL and a size bound.',
  options: {
    maxEntries: { doc: 'Texts kept; the oldest is evicted beyond it.', format: 'nat', default: 1000 },
    ttlMs: { doc: 'How long a text is served.', format: 'nat', default: 3600000 },
  },
  create({ options, now }) {
    const entries = new Map<string, { text: string; expiresAt: number }>();
    let evictions = 0;
    let expirations = 0;
    return {
      async get(key) {
        const entry = entries.get(key);
        if (entry === undefined) return undefined;
        // now() is the run's clock, not Date.now: tests and replays move it.
        if (entry.expiresAt <= now()) {
          entries.delete(key);
          expirations++;
          return undefined;
        }
        return entry.text;
      },
      async set(key, text) {
        entries.delete(key);
        entries.set(key, { text, expiresAt: now() + options.ttlMs });
        for (const oldest of entries.keys()) {
          if (entries.size <= options.maxEntries) break;
          entries.delete(oldest);
          evictions++;
        }
      },
      counters: () => ({ evictions, expirations }),
    };
  },
});
`,
    test: kitTest('reasoningCacheSuite', ', { options: (_dir, limits) => limits }'),
  },
  storage: {
    description: 'A storage plugin for argo-signals: signals and runs in memory.',
    definition: `import { defineStoragePlugin, type RunRecord, type Signal } from 'argo-signals/plugin';

/** Signals and runs in memory: a starting point for a storage that writes somewhere durable. */
export default defineStoragePlugin({
  name: 'NAME',
  version: '0.1.0',
  apiVersion: 'API',
  description: 'Signals and runs in memory.',
  create() {
    const signals = new Map<string, Signal>();
    const runs: RunRecord[] = [];
    return {
      // Idempotent by id: the first signal stored under an id stays. Resolve only once durable.
      async save(signal) {
        if (!signals.has(signal.id)) signals.set(signal.id, signal);
      },
      async saveRun(run) {
        runs.push(run);
      },
      async updateReasoning(updates) {
        for (const { id, reasoning, status } of updates) {
          const signal = signals.get(id);
          if (signal !== undefined) signals.set(id, { ...signal, reasoning, reasoningStatus: status });
        }
      },
      async querySignals({ id, symbol, action, minConfidence, from, to, reasoningStatus, limit }) {
        const matching = [...signals.values()]
          .filter((s) => (id === undefined || s.id === id) && (symbol === undefined || s.symbol === symbol) && (action === undefined || s.action === action))
          .filter((s) => (minConfidence === undefined || s.confidence >= minConfidence) && (from === undefined || s.asOf >= from) && (to === undefined || s.asOf <= to))
          .filter((s) => reasoningStatus === undefined || s.reasoningStatus === reasoningStatus)
          .sort((a, b) => a.asOf.localeCompare(b.asOf) || a.symbol.localeCompare(b.symbol));
        return limit === undefined ? matching : matching.slice(0, limit);
      },
      async queryRuns() {
        return [...runs].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
      },
      async close() {},
    };
  },
});
`,
    test: kitTest('storageSuite', ', { durable: false }'),
  },
  'market-data': {
    description: 'A market-data plugin for argo-signals: seeded random-walk daily bars.',
    definition: `import { defineMarketDataPlugin, type Bar } from 'argo-signals/plugin';

interface Options {
  days: number;
}

/** Seeded random-walk daily bars for two symbols, ending at 2024-12-31. */
export default defineMarketDataPlugin<Options>({
  name: 'NAME',
  version: '0.1.0',
  apiVersion: 'API',
  description: 'Seeded random-walk daily bars.',
  options: {
    days: { doc: 'Weekdays of bars per symbol.', format: 'nat', default: 250 },
  },
  create({ options, seed }) {
    return {
      async symbols() {
        return ['DEMO-A', 'DEMO-B'];
      },
      async load(symbol) {
        let state = [...symbol].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, seed) || 1;
        const random = () => ((state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32);
        const bars: Bar[] = [];
        let close = 100;
        for (let t = Date.UTC(2024, 11, 31); bars.length < options.days; t -= 86400000) {
          const day = new Date(t).getUTCDay();
          if (day === 0 || day === 6) continue;
          const open = close;
          close = Math.max(1, open * (1 + (random() - 0.5) * 0.04));
          bars.push({ date: new Date(t).toISOString().slice(0, 10), open, high: Math.max(open, close) * 1.01, low: Math.min(open, close) * 0.99, close, volume: Math.round(1e6 * (0.5 + random())) });
        }
        return { symbol, bars: bars.reverse(), malformedRows: 0 };
      },
    };
  },
});
`,
    test: `import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { testContext } from 'argo-signals/testing';
import plugin from './index';

describe('market data "NAME"', () => {
  it('offers symbols and loads each one as bars sorted by date', async () => {
    const data = await plugin.create(testContext(plugin, { options: { days: 30 } }));
    for (const symbol of await data.symbols()) {
      const { bars } = await data.load(symbol);
      assert.equal(bars.length, 30);
      assert.ok(bars.every((bar, i) => i === 0 || bar.date > bars[i - 1].date));
    }
  });
});
`,
  },
  sink: {
    description: 'A sink plugin for argo-signals: POSTs each message as JSON to a URL.',
    definition: `import { SinkDeliveryError, defineSinkPlugin } from 'argo-signals/plugin';

interface Options {
  url: string;
}

/** POSTs each message as JSON; 429 and 5xx are tried again by argo-signals, other refusals go to its dead letters. */
export default defineSinkPlugin<Options>({
  name: 'NAME',
  version: '0.1.0',
  apiVersion: 'API',
  description: 'POSTs each message as JSON to a URL.',
  options: {
    url: { doc: 'Where messages go.', format: String, default: 'http://127.0.0.1:9/hook' },
  },
  create({ options }) {
    return {
      async deliver(messages, signal) {
        for (const message of messages) {
          let response: Response;
          try {
            response = await fetch(options.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message), signal });
          } catch (error) {
            // A timeout or a connection refused: worth trying again.
            throw new SinkDeliveryError(\`NAME: \${(error as Error).message}\`, { retryable: true, cause: error });
          }
          await response.arrayBuffer();
          if (!response.ok) throw new SinkDeliveryError(\`NAME: HTTP \${response.status}\`, { retryable: response.status === 429 || response.status >= 500 });
        }
      },
    };
  },
});
`,
    test: `import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { sampleMessages, sinkSuite } from 'argo-signals/testing';
import plugin from './index';

// The conformance suite of this kind: the checks argo-signals runs on every built-in plugin.
sinkSuite({ describe, it }, plugin);

describe('NAME against a local receiver', () => {
  const received: unknown[] = [];
  let server: Server;
  let url = '';
  before(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk)).on('end', () => {
        received.push(JSON.parse(body));
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address() as { port: number };
    url = \`http://127.0.0.1:\${address.port}/hook\`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('POSTs every message in order', async () => {
    const sink = await plugin.create({ options: { url } } as never);
    const messages = sampleMessages();
    await sink.deliver(messages, new AbortController().signal);
    assert.deepEqual(received, JSON.parse(JSON.stringify(messages)));
  });
});
`,
  },
};
