import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { PluginDefinition, PluginKind } from '../../core/plugin-system/define-plugin';
import { consensusSuite, earlyExitSuite, explainerSuite, reasoningCacheSuite, sourceSuite, storageSuite } from '../../core/testing';
import { builtinPlugins } from '../../plugins';
import { ROOT } from '../helpers';

/** The built-in module of a plugin, as a worker or a child process loads it. */
const moduleOf = (kind: string, name: string) => path.join(ROOT, 'dist', 'plugins', kind, name);
const byName = <K extends PluginKind>(kind: K, name: string) => builtinPlugins.find((p) => p.kind === kind && p.name === name) as PluginDefinition<K>;
const KINDS_WITH_SUITES: readonly PluginKind[] = ['source', 'consensus', 'early-exit-strategy', 'explainer', 'reasoning-cache', 'storage'];
const covered = new Set<string>();
const cover = (kind: PluginKind, name: string) => (covered.add(`${kind}:${name}`), name);

describe('every built-in plugin passes its kind\'s conformance suite (argo-signals/testing)', function () {
  this.timeout(120_000);

  for (const name of ['technical-trend', 'technical-macd', 'technical-momentum', 'technical-volatility', 'technical-volume']) {
    sourceSuite({ describe, it }, byName('source', cover('source', name)), { specifier: moduleOf('sources', name) });
  }
  sourceSuite({ describe, it }, byName('source', cover('source', 'synthetic')));

  consensusSuite({ describe, it }, byName('consensus', cover('consensus', 'weighted')));
  consensusSuite({ describe, it }, byName('consensus', cover('consensus', 'correlation-adjusted')));

  for (const name of ['none', 'staged', 'incremental', 'bound']) earlyExitSuite({ describe, it }, byName('early-exit-strategy', cover('early-exit-strategy', name)));

  explainerSuite({ describe, it }, byName('explainer', cover('explainer', 'template')));
  explainerSuite({ describe, it }, byName('explainer', cover('explainer', 'simulated-llm')), { options: { minLatencyMs: 1, maxLatencyMs: 2 } });
  const llmOptions: Record<string, unknown> = { baseUrl: 'http://127.0.0.1:9/v1', model: 'test-model', retries: 0 };
  let server: Server;
  before(async () => {
    // Texts for the llm explainer; for llm-opinion (which asks with a JSON schema) an opinion
    // that depends only on the prompt, as a deterministic model's would.
    server = createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk) => (raw += chunk));
      req.on('end', () => {
        const body = JSON.parse(raw) as { response_format?: unknown; messages: { content: string }[] };
        const digest = createHash('sha256').update(body.messages[1].content).digest();
        const opinion = { direction: ['LONG', 'SHORT', 'NEUTRAL'][digest[0] % 3], confidence: digest[1] % 101, rationale: 'from the figures' };
        const content = body.response_format === undefined ? 'The trend is up and momentum agrees.' : JSON.stringify(opinion);
        res.end(JSON.stringify({ choices: [{ message: { role: 'assistant', content } }] }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    llmOptions.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  explainerSuite({ describe, it }, byName('explainer', cover('explainer', 'llm')), { options: llmOptions });
  sourceSuite({ describe, it }, byName('source', cover('source', 'llm-opinion')), { options: llmOptions });

  reasoningCacheSuite({ describe, it }, byName('reasoning-cache', cover('reasoning-cache', 'memory')), { options: (_dir, limits) => limits });
  reasoningCacheSuite({ describe, it }, byName('reasoning-cache', cover('reasoning-cache', 'sqlite')), {
    options: (dir, limits) => ({ path: path.join(dir, 'cache.db'), ...limits }),
    // The sqlite cache trims itself back to maxEntries every 100 writes.
    slack: 100,
  });

  storageSuite({ describe, it }, byName('storage', cover('storage', 'sqlite')), {
    options: (dir) => ({ path: path.join(dir, 'signals.db'), flushMs: 20 }),
    specifier: moduleOf('storage', 'sqlite'),
  });
  storageSuite({ describe, it }, byName('storage', cover('storage', 'jsonl')), {
    options: (dir) => ({ path: path.join(dir, 'signals.jsonl'), runsPath: path.join(dir, 'runs.jsonl') }),
    specifier: moduleOf('storage', 'jsonl'),
  });
  storageSuite({ describe, it }, byName('storage', cover('storage', 'memory')), { durable: false });
  // Run by test/plugins/storage/postgres.test.ts and test/plugins/reasoning-cache/redis.test.ts, which need their servers (and skip without them outside CI).
  cover('storage', 'postgres');
  cover('reasoning-cache', 'redis');

  it('leaves no built-in of a kind with a suite unchecked', () => {
    const all = builtinPlugins.filter((p) => KINDS_WITH_SUITES.includes(p.kind)).map((p) => `${p.kind}:${p.name}`);
    expect(all.filter((id) => !covered.has(id))).to.deep.equal([]);
  });
});
