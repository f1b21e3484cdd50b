/**
 * Plugin definitions: a plugin is a module exporting a definition made by one of the
 * `define…Plugin` helpers. Built-ins are made the same way a third party makes one.
 */
import type { Schema } from 'convict';
import type { Logger } from '../util/logger';
import type { Timeframe } from '../domain/timeframe';
import type {
  Consensus,
  EarlyExitStrategy,
  Explainer,
  MarketData,
  ReasoningCache,
  Sink,
  Source,
  Storage,
} from './plugin-contracts';

/** The plugin API version of this framework; a definition's `apiVersion` range must include it. */
export const PLUGIN_API_VERSION = '1.0.0';

/** The instance each plugin kind's factory returns. */
export interface PluginInstances {
  source: Source;
  consensus: Consensus;
  'early-exit-strategy': EarlyExitStrategy;
  explainer: Explainer;
  'reasoning-cache': ReasoningCache;
  storage: Storage;
  'market-data': MarketData;
  sink: Sink;
}

/** A plugin kind. */
export type PluginKind = keyof PluginInstances;

/** Every plugin kind, in the order docs list them. */
export const PLUGIN_KINDS: readonly PluginKind[] = [
  'market-data',
  'source',
  'consensus',
  'early-exit-strategy',
  'explainer',
  'reasoning-cache',
  'storage',
  'sink',
];

/** What a factory receives: its validated options and the services it may use. */
export interface PluginContext<Options> {
  /** Options validated against the definition's schema, defaults filled in. */
  readonly options: Options;
  /** A child logger tagged with the plugin's kind and name. */
  readonly logger: Logger;
  /** This instance's name: the source's `name` for sources, the plugin name otherwise. */
  readonly instanceName: string;
  /** The id of the run the plugin is built for (storage records it with each signal). */
  readonly runId: string;
  /**
   * True when the plugin is built only to be read from (the `signals` and `runs` commands): a
   * storage then creates, migrates and locks nothing, and works on a file it may not write.
   */
  readonly readOnly: boolean;
  /** The run's seed (`seed`), for plugins that draw random numbers. */
  readonly seed: number;
  /** The run's bar length (`data.timeframe`): market data gives bars of it, keyed by date for 1d and by UTC timestamp otherwise. */
  readonly timeframe: Timeframe;
  /** The environment the configuration was loaded with: read secrets (an API key) by the name an option gives, never from process.env. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Milliseconds since the epoch: the run's clock (tests replace it to control TTLs). */
  now(): number;
  /** Resolves a path against the config file's folder (the working directory without one). */
  resolvePath(path: string): string;
  /**
   * Reports something wrong that is not a failure (a stale quote, a fallback endpoint used):
   * counted per plugin and code in the run's statistics (`pluginWarnings`), shown by `run` and
   * `replay`, and logged the first time each code comes. `code` is UPPER_SNAKE_CASE, your own.
   * A plugin built in a worker thread only logs it.
   */
  warn(code: string, message: string): void;
}

/** A plugin definition: what a plugin module exports. */
export interface PluginDefinition<K extends PluginKind = PluginKind, Options = any> {
  readonly kind: K;
  /** kebab-case, unique within its kind. */
  readonly name: string;
  /** The plugin's own semver version. */
  readonly version: string;
  /** A semver range of plugin API versions this plugin was written for, e.g. `^1.0.0`. */
  readonly apiVersion: string;
  /** One line for `argo-signals plugins` and the configuration reference. */
  readonly description: string;
  /**
   * Capability of a source: its opinion is a deterministic function of the symbol and the
   * bars it is shown (no I/O, no clock, no state shared outside the instance), so the core
   * may build it in a worker thread and compute it there (`workers.mode.indicators`).
   */
  readonly offloadable?: boolean;
  /** A convict schema for the plugin's own options. */
  readonly options?: Schema<Options>;
  /** Builds the instance for one run. */
  create(context: PluginContext<Options>): PluginInstances[K] | Promise<PluginInstances[K]>;
  /**
   * Optional check that `argo-signals config check` runs after building the plugin (a network
   * source pinging its endpoint, a storage reading its schema); throw to fail the check.
   */
  selfTest?(context: PluginContext<Options>): void | Promise<void>;
}

/** A definition as written by its author: everything but the kind. */
export type PluginSpec<K extends PluginKind, Options> = Omit<PluginDefinition<K, Options>, 'kind'>;

function definer<K extends PluginKind>(kind: K) {
  return <Options = Record<string, never>>(spec: PluginSpec<K, Options>): PluginDefinition<K, Options> =>
    Object.freeze({ ...spec, kind });
}

/** Defines a plugin of kind `source`. */
export const defineSourcePlugin = definer('source');
/** Defines a plugin of kind `consensus`. */
export const defineConsensusPlugin = definer('consensus');
/** Defines a plugin of kind `early-exit-strategy`. */
export const defineEarlyExitPlugin = definer('early-exit-strategy');
/** Defines a plugin of kind `explainer`. */
export const defineExplainerPlugin = definer('explainer');
/** Defines a plugin of kind `reasoning-cache`. */
export const defineReasoningCachePlugin = definer('reasoning-cache');
/** Defines a plugin of kind `storage`. */
export const defineStoragePlugin = definer('storage');
/** Defines a plugin of kind `market-data`. */
export const defineMarketDataPlugin = definer('market-data');
/** Defines a plugin of kind `sink`. */
export const defineSinkPlugin = definer('sink');
