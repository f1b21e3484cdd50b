/**
 * `argo-signals plugin check <specifier>`: loads a plugin as a config would, validates its
 * options, builds it, and runs its kind's conformance suite against the sample bars.
 */
import type { PluginDefinition } from '../plugin-system/define-plugin';
import { resolveAnyPlugin, validateOptions } from '../plugin-system/plugin-loader';
import type { PluginRegistry } from '../plugin-system/plugin-registry';
import { runChecks, type CheckResult } from '../testing/check-runner';
import { consensusSuite } from '../testing/consensus-suite';
import { earlyExitSuite } from '../testing/early-exit-suite';
import { explainerSuite } from '../testing/explainer-suite';
import { reasoningCacheSuite } from '../testing/reasoning-cache-suite';
import { sampleSeries } from '../testing/sample-data';
import { sinkSuite } from '../testing/sink-suite';
import { sourceSuite } from '../testing/source-suite';
import { storageSuite } from '../testing/storage-suite';
import type { TestApi } from '../testing/test-api';
import { testContext } from '../testing/test-context';

/** What `plugin check` found. */
export interface PluginCheckReport {
  readonly kind: string;
  readonly name: string;
  readonly version: string;
  readonly checks: CheckResult[];
}

/** The kind's suite for `definition`, built with `options` (a storage's and a cache's files go to the suite's folder). */
function suiteOf(definition: PluginDefinition, options: Record<string, unknown>, file: string | undefined): (api: TestApi) => void {
  const def = definition as PluginDefinition<never>;
  switch (definition.kind) {
    case 'source':
      return (api) => sourceSuite(api, def, { options, specifier: file, workerCheck: file !== undefined });
    case 'consensus':
      return (api) => consensusSuite(api, def, { options, runs: 100 });
    case 'early-exit-strategy':
      return (api) => earlyExitSuite(api, def, { options, runs: 100 });
    case 'explainer':
      return (api) => explainerSuite(api, def, { options });
    case 'reasoning-cache':
      return (api) => reasoningCacheSuite(api, def, { options: (_dir, limits) => ({ ...options, ...limits }), slack: 100 });
    case 'storage':
      return (api) => storageSuite(api, def, { options: () => options, specifier: file });
    case 'sink':
      return (api) => sinkSuite(api, def, { options });
    case 'market-data':
      return (api) =>
        api.it('offers symbols and loads each one as bars sorted by date', async () => {
          const market = await (definition as PluginDefinition<'market-data'>).create(testContext(definition, { options }) as never);
          const symbols = await market.symbols();
          for (const symbol of symbols.length > 0 ? symbols.slice(0, 3) : [sampleSeries()[0].symbol]) {
            const dates = (await market.load(symbol)).bars.map((b) => b.date);
            if (dates.some((date, i) => i > 0 && date <= dates[i - 1])) throw new Error(`${symbol}: bars not sorted by date with unique dates`);
          }
        });
  }
}

/**
 * Loads `specifier` (a registered name, a package or a path, resolved from `baseDir`), validates
 * `options` against its schema (a load or options error is thrown: exit 2), then runs its kind's
 * suite and reports each check.
 */
export async function checkPluginModule(registry: PluginRegistry, specifier: string, baseDir: string, options: Record<string, unknown>): Promise<PluginCheckReport> {
  const { definition, file } = resolveAnyPlugin(registry, specifier, { key: 'plugin check', baseDir });
  validateOptions(definition, options, 'plugin check --options');
  const checks = await runChecks(suiteOf(definition, options, file));
  return { kind: definition.kind, name: definition.name, version: definition.version, checks };
}
