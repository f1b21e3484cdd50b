import type { LoadedConfig, ResolvedPlugin } from '../config/config-loader';
import { PLUGIN_SLOTS } from '../config/config-schema';
import { assertSymbol } from '../domain/symbols';
import { ArgoError, isArgoError, messageOf } from '../errors/errors';
import type { PluginInstances, PluginKind } from '../plugin-system/define-plugin';
import type { Logger } from '../util/logger';
import { contextFor, instantiate, type BuildSite } from './plugin-factory';

/** What `config check` found for one plugin it built. */
export interface PluginCheck {
  /** The config key that selected it. */
  readonly key: string;
  readonly kind: PluginKind;
  readonly name: string;
  readonly version: string;
  /** Whether the plugin's self-test ran (and passed) or it has none. */
  readonly selfTest: 'passed' | 'none';
}

/** The symbols of `config` that `marketData` has no bars for (no file, or no usable bar); all of them is a coded error. */
async function symbolsWithoutBars(config: LoadedConfig, marketData: PluginInstances['market-data']): Promise<string[]> {
  const missing: string[] = [];
  for (const symbol of config.values.symbols) {
    try {
      if ((await marketData.load(assertSymbol(symbol, 'symbols'))).bars.length === 0) missing.push(symbol);
    } catch (error) {
      if (!isArgoError(error, 'ARGO_ERR_DATA_SYMBOL_MISSING')) throw error;
      missing.push(symbol);
    }
  }
  if (missing.length > 0 && missing.length === config.values.symbols.length) {
    throw new ArgoError('ARGO_ERR_DATA_SYMBOL_MISSING', `symbols: the market data (${config.slots['market-data'].definition.name}) has bars for none of ${missing.join(', ')}`);
  }
  return missing;
}

/**
 * Builds every plugin `config` names, runs each one's `selfTest` when it has one, and closes
 * them all again: a factory that throws or a self-test that fails ends it with a coded error
 * naming the key. Loads each listed symbol once and answers those without bars (a run skips
 * them). Nothing runs a cycle; a storage may create its file.
 */
export async function checkPlugins(config: LoadedConfig, logger: Logger): Promise<{ plugins: PluginCheck[]; symbolsWithoutBars: string[] }> {
  const site: BuildSite = { loaded: config, logger, runId: 'check' };
  const all: ResolvedPlugin[] = [...PLUGIN_SLOTS.map((slot) => config.slots[slot.kind as keyof LoadedConfig['slots']]), ...config.sources, ...config.sinks];
  const checks: PluginCheck[] = [];
  const closers: (() => unknown)[] = [];
  let missing: string[] = [];
  try {
    for (const resolved of all) {
      const instance = (await instantiate(resolved, site)) as { close?: () => unknown };
      if (typeof instance.close === 'function') closers.push(() => instance.close!());
      if (resolved.definition.kind === 'market-data') missing = await symbolsWithoutBars(config, instance as PluginInstances['market-data']);
      const { definition, key } = resolved;
      if (definition.selfTest !== undefined) {
        try {
          await definition.selfTest(contextFor(resolved, site));
        } catch (error) {
          throw new ArgoError('ARGO_ERR_PLUGIN_SELF_TEST', `${key}: the self-test of ${definition.kind} plugin "${definition.name}" failed: ${messageOf(error)}`, { cause: error });
        }
      }
      checks.push({ key, kind: definition.kind, name: definition.name, version: definition.version, selfTest: definition.selfTest === undefined ? 'none' : 'passed' });
    }
    return { plugins: checks, symbolsWithoutBars: missing };
  } finally {
    await Promise.allSettled(closers.map(async (close) => close()));
  }
}
