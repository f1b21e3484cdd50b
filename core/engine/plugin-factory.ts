/** Builds plugin instances: each factory gets its validated options and the services of its context; a factory that throws is a coded error naming the config key. */
import path from 'node:path';
import type { LoadedConfig, ResolvedPlugin, ResolvedSource } from '../config/config-loader';
import { ArgoError, isArgoError, messageOf } from '../errors/errors';
import type { PluginContext, PluginInstances, PluginKind } from '../plugin-system/define-plugin';
import type { Logger } from '../util/logger';
import type { CycleStats } from './cycle-stats';

/** Where a plugin is built: the run it belongs to and what its context hands it. */
export interface BuildSite {
  readonly loaded: LoadedConfig;
  readonly logger: Logger;
  readonly runId: string;
  /** The run's clock (`ctx.now`); Date.now by default. */
  readonly now?: () => number;
  readonly readOnly?: boolean;
  /** Where `ctx.warn` counts; without it a warning is only logged. */
  readonly stats?: CycleStats;
}

/** The context a plugin's factory (and its self-test) receives. */
export function contextFor(resolved: ResolvedPlugin, site: BuildSite): PluginContext<Record<string, unknown>> {
  const { definition, options } = resolved;
  const instanceName = 'config' in resolved ? (resolved as ResolvedSource).config.name : definition.name;
  const label = `${definition.kind}:${instanceName}`;
  const logger = site.logger.child({ plugin: `${definition.kind}:${definition.name}` });
  return {
    options,
    instanceName,
    logger,
    runId: site.runId,
    readOnly: site.readOnly ?? false,
    seed: site.loaded.values.seed,
    timeframe: site.loaded.values.data.timeframe,
    resolvePath: (p: string) => path.resolve(site.loaded.baseDir, p),
    env: site.loaded.secrets.watch(site.loaded.env),
    now: site.now ?? Date.now,
    warn: (code: string, message: string) => {
      if (!WARNING_CODE.test(code)) throw new TypeError(`${label}: ctx.warn code ${JSON.stringify(code)} must be UPPER_SNAKE_CASE`);
      if (site.stats === undefined || site.stats.warn(label, code) === 1) logger.warn({ code }, message);
    },
  };
}

/** A plugin warning's code: upper snake case, the plugin's own. */
const WARNING_CODE = /^[A-Z][A-Z0-9_]*$/;

export async function instantiate<K extends PluginKind>(resolved: ResolvedPlugin<K>, site: BuildSite): Promise<PluginInstances[K]> {
  const { definition, key } = resolved;
  try {
    return await definition.create(contextFor(resolved, site));
  } catch (error) {
    // A plugin that throws a coded error has already said what is wrong and how bad it is.
    if (isArgoError(error)) throw error;
    throw new ArgoError('ARGO_ERR_PLUGIN_FACTORY', `${key}: the factory of ${definition.kind} plugin "${definition.name}" threw: ${messageOf(error)}`, {
      cause: error,
    });
  }
}

/** Builds only the storage plugin of `config`: read-only for the query commands, writable for `deliver` and `sinks` (their cursors); no run is recorded. */
export function openStorage(config: LoadedConfig, logger: Logger, access: 'read' | 'write' = 'read'): Promise<PluginInstances['storage']> {
  return instantiate(config.slots.storage, { loaded: config, logger, runId: access === 'read' ? 'query' : 'deliver', readOnly: access === 'read' });
}
