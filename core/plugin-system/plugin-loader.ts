import convict from 'convict';
import path from 'node:path';
import { readTree } from '../config/config-values';
import type { PluginDefinition, PluginKind } from './define-plugin';
import { ArgoError, isArgoError, messageOf } from '../errors/errors';
import type { PluginRegistry } from './plugin-registry';

/** Where a plugin is named: the config key, for messages, and the folder module paths are relative to. */
export interface PluginReference {
  readonly key: string;
  readonly baseDir: string;
}

function isPathSpecifier(specifier: string): boolean {
  return specifier.startsWith('.') || path.isAbsolute(specifier);
}

function loadModule(specifier: string, baseDir: string, key: string): { exported: unknown; origin: string; file: string } {
  let file: string;
  try {
    file = isPathSpecifier(specifier)
      ? require.resolve(path.resolve(baseDir, specifier))
      : require.resolve(specifier, { paths: [baseDir, process.cwd()] });
  } catch (error) {
    throw new ArgoError(
      'ARGO_ERR_PLUGIN_NOT_FOUND',
      `${key}: "${specifier}" is neither a registered plugin nor a module that can be resolved from ${baseDir}`,
      { cause: error },
    );
  }
  try {
    return { exported: require(file), origin: `module "${specifier}" (${file})`, file };
  } catch (error) {
    throw new ArgoError('ARGO_ERR_PLUGIN_DEFINITION', `${key}: module "${specifier}" (${file}) failed to load: ${messageOf(error)}`, {
      cause: error,
    });
  }
}

function definitionExport(exported: unknown): unknown {
  const module = exported as { default?: unknown; plugin?: unknown } | null;
  return module?.default ?? module?.plugin ?? exported;
}

/**
 * Resolves what a config key names to a definition of `kind`: a registered name first,
 * otherwise a module specifier (an npm package, or a path relative to `ref.baseDir`) whose
 * default export is then checked and registered, so both routes end in the same registry.
 */
export function resolvePlugin<K extends PluginKind>(
  registry: PluginRegistry,
  kind: K,
  specifier: string,
  ref: PluginReference,
): PluginDefinition<K> {
  const registered = registry.get(kind, specifier);
  if (registered !== undefined) return registered;
  const looksLikeName = /^[a-z][a-z0-9-]*$/.test(specifier);
  let loaded: { exported: unknown; origin: string; file: string };
  try {
    loaded = loadModule(specifier, ref.baseDir, ref.key);
  } catch (error) {
    if (looksLikeName && isArgoError(error, 'ARGO_ERR_PLUGIN_NOT_FOUND')) {
      throw new ArgoError(
        'ARGO_ERR_PLUGIN_NOT_FOUND',
        `${ref.key}: no ${kind} plugin named "${specifier}" (registered: ${registry.names(kind).join(', ') || 'none'}) and no module of that name`,
        { cause: error },
      );
    }
    throw error;
  }
  const def = registry.register(definitionExport(loaded.exported), loaded.origin);
  if (def.kind !== kind) {
    throw new ArgoError('ARGO_ERR_PLUGIN_KIND', `${ref.key}: ${loaded.origin} defines a ${def.kind} plugin, expected a ${kind} plugin`);
  }
  return def as PluginDefinition<K>;
}

/** A plugin found by {@link resolveAnyPlugin}: its definition and, for a module, the file it came from. */
export interface FoundPlugin {
  readonly definition: PluginDefinition;
  readonly file?: string;
}

/**
 * Resolves a specifier to a plugin of whatever kind it is (`argo-signals plugin check`): a
 * name registered under exactly one kind, otherwise a module, checked and registered.
 */
export function resolveAnyPlugin(registry: PluginRegistry, specifier: string, ref: PluginReference): FoundPlugin {
  const registered = registry.list().filter(({ def }) => def.name === specifier);
  if (registered.length === 1) return { definition: registered[0].def };
  if (registered.length > 1) {
    throw new ArgoError('ARGO_ERR_PLUGIN_NOT_FOUND', `${ref.key}: "${specifier}" names plugins of ${registered.length} kinds (${registered.map(({ def }) => def.kind).join(', ')}); give the module path`);
  }
  const loaded = loadModule(specifier, ref.baseDir, ref.key);
  return { definition: registry.register(definitionExport(loaded.exported), loaded.origin), file: loaded.file };
}

/**
 * Validates `raw` against the definition's option schema and returns the options with
 * defaults filled in. Values are read strictly (config-values.ts); unknown options and wrong
 * types fail with the config key at fault.
 */
export function validateOptions(def: PluginDefinition, raw: unknown, key: string): Record<string, unknown> {
  try {
    const schema = (def.options ?? {}) as convict.Schema<Record<string, unknown>>;
    const config = convict(schema, { env: {}, args: [] });
    config.load(readTree(raw ?? {}, schema, key, { undeclared: 'refuse' }));
    config.validate({ allowed: 'strict' });
    return config.getProperties();
  } catch (error) {
    throw new ArgoError('ARGO_ERR_PLUGIN_OPTIONS', `${key}: invalid options for ${def.kind} plugin "${def.name}": ${messageOf(error)}`, {
      cause: error,
    });
  }
}
