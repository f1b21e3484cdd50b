import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PluginDefinition } from '../plugin-system/define-plugin';
import type { ReasoningCache } from '../plugin-system/plugin-contracts';
import { ManualClock } from './manual-clock';
import { optionsCheck } from './options-check';
import type { TestApi } from './test-api';
import { testContext, type TestContextOptions } from './test-context';

/**
 * How the reasoning-cache suite builds a cache: `options(dir, limits)` gives options with that
 * TTL and size bound (and files in `dir`); `slack` is how far past the bound the cache may run
 * between trims.
 */
export interface ReasoningCacheSuiteOptions extends Omit<TestContextOptions, 'options' | 'dir' | 'now'> {
  readonly options: (dir: string, limits: { ttlMs: number; maxEntries: number }) => Record<string, unknown>;
  readonly slack?: number;
}

/**
 * The conformance suite of a reasoning cache: options refuse wrong formats; a text is served
 * until its TTL on the run's clock and not after, counted as an expiration; at most
 * `maxEntries` (plus `slack`) texts are kept, the rest counted as evictions.
 */
export function reasoningCacheSuite(api: TestApi, definition: PluginDefinition<'reasoning-cache'>, suite: ReasoningCacheSuiteOptions): void {
  const open = (limits: { ttlMs: number; maxEntries: number }, clock = new ManualClock()): Promise<ReasoningCache> => {
    const dir = mkdtempSync(path.join(os.tmpdir(), `argo-kit-${definition.name}-`));
    return Promise.resolve(definition.create(testContext(definition, { ...suite, dir, now: clock.now, options: suite.options(dir, limits) })));
  };

  api.describe(`reasoning cache "${definition.name}" (argo-signals/testing)`, () => {
    optionsCheck(api, definition, suite.options(os.tmpdir(), { ttlMs: 1000, maxEntries: 10 }));

    api.it('serves a text until its TTL on the run clock, then not, counting the expiration', async () => {
      const clock = new ManualClock();
      const cache = await open({ ttlMs: 1000, maxEntries: 100 }, clock);
      await cache.set('k', 'a reason');
      assert.equal(await cache.get('k'), 'a reason');
      assert.equal(await cache.get('other'), undefined);
      clock.advance(999);
      assert.equal(await cache.get('k'), 'a reason', 'gone before its TTL');
      clock.advance(2);
      assert.equal(await cache.get('k'), undefined, 'served after its TTL');
      assert.equal(cache.counters().expirations, 1);
      await cache.close?.();
    });

    api.it('keeps at most maxEntries texts, counting the evictions', async () => {
      const maxEntries = 20;
      const slack = suite.slack ?? 0;
      const written = maxEntries + slack + 130;
      const cache = await open({ ttlMs: 3_600_000, maxEntries });
      for (let i = 0; i < written; i++) await cache.set(`k${i}`, `text ${i}`);
      let kept = 0;
      for (let i = 0; i < written; i++) if ((await cache.get(`k${i}`)) !== undefined) kept++;
      assert.ok(kept <= maxEntries + slack, `${kept} texts kept, more than ${maxEntries} + ${slack}`);
      assert.equal(await cache.get(`k${written - 1}`), `text ${written - 1}`, 'the newest text was evicted');
      const { evictions, expirations } = cache.counters();
      assert.ok(evictions >= written - maxEntries - slack, `${evictions} evictions counted for ${written - kept} texts dropped`);
      assert.equal(expirations, 0);
      await cache.close?.();
    });
  });
}
