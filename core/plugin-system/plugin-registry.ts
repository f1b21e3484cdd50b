import semver from 'semver';
import { PLUGIN_API_VERSION, PLUGIN_KINDS, type PluginDefinition, type PluginKind } from './define-plugin';
import { ArgoError } from '../errors/errors';

const KEBAB_CASE = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/**
 * Checks that `value` is a plugin definition this framework can run: a known kind, a
 * kebab-case name, a semver version, an apiVersion range that includes
 * {@link PLUGIN_API_VERSION}, and a factory. `origin` names the module for the messages.
 */
export function checkDefinition(value: unknown, origin: string): PluginDefinition {
  const def = value as Partial<PluginDefinition> | null;
  const fail = (what: string): never => {
    throw new ArgoError('ARGO_ERR_PLUGIN_DEFINITION', `plugin from ${origin}: ${what}`);
  };
  if (def === null || typeof def !== 'object') fail('the module exports no plugin definition (expected a default export made by a define…Plugin helper)');
  if (!PLUGIN_KINDS.includes(def!.kind as PluginKind)) fail(`kind ${JSON.stringify(def!.kind)} is not one of ${PLUGIN_KINDS.join(', ')}`);
  if (typeof def!.name !== 'string' || !KEBAB_CASE.test(def!.name)) fail(`name ${JSON.stringify(def!.name)} is not kebab-case`);
  const label = `${def!.kind} plugin "${def!.name}" from ${origin}`;
  if (typeof def!.version !== 'string' || semver.valid(def!.version) === null) {
    throw new ArgoError('ARGO_ERR_PLUGIN_DEFINITION', `${label}: version ${JSON.stringify(def!.version)} is not a semver version`);
  }
  if (typeof def!.create !== 'function') {
    throw new ArgoError('ARGO_ERR_PLUGIN_DEFINITION', `${label}: create must be a function`);
  }
  if (typeof def!.apiVersion !== 'string' || semver.validRange(def!.apiVersion) === null) {
    throw new ArgoError('ARGO_ERR_PLUGIN_DEFINITION', `${label}: apiVersion ${JSON.stringify(def!.apiVersion)} is not a semver range`);
  }
  if (def!.offloadable !== undefined && typeof def!.offloadable !== 'boolean') {
    throw new ArgoError('ARGO_ERR_PLUGIN_DEFINITION', `${label}: offloadable must be true or false, got ${JSON.stringify(def!.offloadable)}`);
  }
  if (!semver.satisfies(PLUGIN_API_VERSION, def!.apiVersion)) {
    throw new ArgoError(
      'ARGO_ERR_PLUGIN_API_VERSION',
      `${label} needs plugin API ${def!.apiVersion}, this framework provides ${PLUGIN_API_VERSION}`,
    );
  }
  return def as PluginDefinition;
}

/** The plugins a run can name, by kind and name: built-ins and modules loaded so far. */
export class PluginRegistry {
  readonly #byKind = new Map<PluginKind, Map<string, { def: PluginDefinition; origin: string }>>();

  /** Registers a definition after checking it; the same definition twice is a no-op. */
  register(value: unknown, origin = 'built-in'): PluginDefinition {
    const def = checkDefinition(value, origin);
    const named = this.#byKind.get(def.kind) ?? new Map();
    this.#byKind.set(def.kind, named);
    const existing = named.get(def.name);
    if (existing !== undefined && existing.def !== def) {
      throw new ArgoError(
        'ARGO_ERR_PLUGIN_DUPLICATE',
        `${def.kind} plugin "${def.name}" from ${origin} clashes with the one from ${existing.origin}`,
      );
    }
    named.set(def.name, { def, origin });
    return def;
  }

  /** The definition registered under `kind` and `name`, if any. */
  get<K extends PluginKind>(kind: K, name: string): PluginDefinition<K> | undefined {
    return this.#byKind.get(kind)?.get(name)?.def as PluginDefinition<K> | undefined;
  }

  /** The names registered for `kind`, sorted. */
  names(kind: PluginKind): string[] {
    return [...(this.#byKind.get(kind)?.keys() ?? [])].sort();
  }

  /** Every registered plugin with where it came from, by kind then name. */
  list(): { def: PluginDefinition; origin: string }[] {
    return PLUGIN_KINDS.flatMap((kind) =>
      this.names(kind).map((name) => this.#byKind.get(kind)!.get(name)!),
    );
  }
}
