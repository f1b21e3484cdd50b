import assert from 'node:assert/strict';
import type { PluginDefinition } from '../plugin-system/define-plugin';
import type { Sink, SinkMessage } from '../plugin-system/plugin-contracts';
import { optionsCheck } from './options-check';
import { sampleSignal } from './sample-data';
import type { TestApi } from './test-api';
import { testContext, type TestContextOptions } from './test-context';

/** How the sink suite builds a sink, and how it sees what the sink's peer received. */
export interface SinkSuiteOptions extends TestContextOptions {
  /**
   * The messages the sink's peer has received so far, in arrival order (the suite's own HTTP
   * server, a broker subscription). With it, delivery is checked end to end; without it, only
   * the contract's local parts.
   */
  readonly received?: () => readonly SinkMessage[] | Promise<readonly SinkMessage[]>;
}

/** Three messages of sample signals: two signals and a reasoning update of the first. */
export function sampleMessages(): SinkMessage[] {
  const [a, b] = [sampleSignal(`kit-${Date.now()}-a`), sampleSignal(`kit-${Date.now()}-b`, { symbol: 'SAMPLE-CHOP', action: 'SELL', direction: 'SHORT' })];
  return [
    { event: 'signal', idempotencyKey: `${a.id}:signal`, seq: 1, signal: a },
    { event: 'signal', idempotencyKey: `${b.id}:signal`, seq: 2, signal: b },
    { event: 'reasoning', idempotencyKey: `${a.id}:reasoning`, seq: 1, signal: { ...a, reasoning: 'the written text', reasoningStatus: 'done' } },
  ];
}

/**
 * The conformance suite of a sink: options refuse wrong formats; with `received`, the messages
 * arrive in order with their idempotency keys and signals; an attempt already aborted settles
 * at once instead of hanging; `close` may be called twice.
 */
export function sinkSuite(api: TestApi, definition: PluginDefinition<'sink'>, suite: SinkSuiteOptions = {}): void {
  const build = (): Promise<Sink> => Promise.resolve(definition.create(testContext(definition, suite)));

  api.describe(`sink "${definition.name}" (argo-signals/testing)`, () => {
    optionsCheck(api, definition, suite.options);

    if (suite.received !== undefined) {
      api.it('delivers messages in order with their keys and signals', async () => {
        const sink = await build();
        const messages = sampleMessages();
        const before = (await suite.received!()).length;
        const size = Math.max(1, sink.batchSize ?? 1);
        for (let i = 0; i < messages.length; i += size) await sink.deliver(messages.slice(i, i + size), new AbortController().signal);
        // A broker acknowledges before its subscribers have a message: give them 5 s.
        for (let waited = 0; (await suite.received!()).length < before + messages.length && waited < 5000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
        const got = (await suite.received!()).slice(before);
        assert.deepEqual(got.map((m) => m.idempotencyKey), messages.map((m) => m.idempotencyKey));
        assert.deepEqual(got.map((m) => [m.event, m.signal.id, m.signal.symbol, m.signal.reasoning]), messages.map((m) => [m.event, m.signal.id, m.signal.symbol, m.signal.reasoning]));
        await sink.close?.();
      });
    }

    api.it('settles at once, without hanging, when the attempt is already aborted', async () => {
      const sink = await build();
      const abort = new AbortController();
      abort.abort();
      const settled = await Promise.race([
        sink.deliver(sampleMessages().slice(0, 1), abort.signal).then(() => 'settled', () => 'settled'),
        new Promise((resolve) => setTimeout(() => resolve('hung'), 2000)),
      ]);
      assert.equal(settled, 'settled', 'deliver ignored an aborted AbortSignal for 2 s');
      await sink.close?.();
    });

    api.it('closes twice without error', async () => {
      const sink = await build();
      await sink.close?.();
      await sink.close?.();
    });
  });
}
