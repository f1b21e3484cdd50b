import { expect } from 'chai';
import path from 'node:path';
import type { PluginDefinition } from '../../core/plugin-system/define-plugin';
import { consensusSuite, earlyExitSuite, reasoningCacheSuite, runChecks, sourceSuite, type TestApi } from '../../core/testing';
import none from '../../plugins/early-exit/none';
import memoryCache from '../../plugins/reasoning-cache/memory';
import { ROOT } from '../helpers';

/** What each check of a suite threw (undefined when it passed), by name. */
async function outcomes(register: (api: TestApi) => void): Promise<Record<string, string | undefined>> {
  return Object.fromEntries((await runChecks(register)).map((r) => [r.name, r.error]));
}

const fixture = (name: string) => require(path.join(ROOT, 'test', 'fixtures', 'plugins', name)) as PluginDefinition<never>;

describe('conformance kits catch broken plugins', () => {
  it('source: a source that remembers the future fails the look-ahead check, and only it', async () => {
    const peeking = path.join(ROOT, 'test', 'fixtures', 'plugins', 'future-peeking-source.js');
    const results = await outcomes((api) => sourceSuite(api, fixture('future-peeking-source.js') as PluginDefinition<'source'>, { specifier: peeking }));
    expect(results['never looks ahead: the same answers on a series that ends that day']).to.contain('the answer changed when the bars after day');
    expect(results['answers a valid opinion (direction, confidence 0..100, finite features) every day of the sample']).to.equal(undefined);
  });

  it('consensus: an upper bound of 0 fails the bound check', async () => {
    const results = await outcomes((api) => consensusSuite(api, fixture('lying-bound-consensus.js') as PluginDefinition<'consensus'>, { runs: 50 }));
    expect(results['never gives an upper bound below the confidence any completion of the remaining sources reaches']).to.contain('above the bound 0');
    expect(results['combines any opinions into a direction, a confidence in 0..100 and finite contributions; none into NEUTRAL 0']).to.equal(undefined);
  });

  it('early exit: a plan that names a source twice fails', async () => {
    const twice = { ...none, create: () => ({ plan: (sources: { name: string }[]) => [sources.map((s) => s.name), [sources[0].name]], afterWave: () => ({ stop: false }) }) };
    const results = await outcomes((api) => earlyExitSuite(api, twice as never, { runs: 20 }));
    expect(results['plans every configured source exactly once']).to.be.a('string');
  });

  it('reasoning cache: a cache that ignores its TTL fails the TTL check', async () => {
    const forever = { ...memoryCache, create: (ctx: never) => memoryCache.create({ ...(ctx as object), now: () => 0 } as never) };
    const results = await outcomes((api) => reasoningCacheSuite(api, forever as never, { options: (_dir, limits) => limits }));
    expect(results['serves a text until its TTL on the run clock, then not, counting the expiration']).to.contain('served after its TTL');
    expect(results['keeps at most maxEntries texts, counting the evictions']).to.equal(undefined);
  });
});
