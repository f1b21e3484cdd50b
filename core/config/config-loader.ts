/**
 * Loads the configuration: engine schema plus the option fragment of each selected plugin,
 * values from a JSON file, then environment variables, then `--set key=value` pairs
 * (later ones win), validated strictly.
 */
import convict from 'convict';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { PluginDefinition, PluginKind } from '../plugin-system/define-plugin';
import { ArgoError, messageOf } from '../errors/errors';
import { AUTO_MARKET_DATA, PLUGIN_SLOTS, engineSchema, type EngineConfig, type PluginSlot, type SinkConfig, type SourceConfig } from './config-schema';
import { resolvePlugin, validateOptions } from '../plugin-system/plugin-loader';
import { ValueError, assertNoPrototypeKeys, assertShallow, isLeaf, leavesOf, nodeAt, readLeaf, readTree, type ReadTreeOptions } from './config-values';
import type { PluginRegistry } from '../plugin-system/plugin-registry';
import { SecretRedactor } from '../util/secret-redactor';
import { hashOf } from '../util/stable-hash';

/** Where configuration values come from, lowest precedence first. */
export interface ConfigInput {
  /** A JSON config file; module paths in it are relative to its folder. */
  readonly file?: string;
  /** Environment variables (`ARGO_…`); defaults to none, the CLI passes `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** `key=value` strings as given to `--set`; values are coerced by the key's format. */
  readonly sets?: readonly string[];
  /** Programmatic values by dotted key, applied last (A/B arms, tests). */
  readonly values?: Readonly<Record<string, unknown>>;
  /** The folder module paths and relative paths resolve against when there is no file (a shard's scheduler's); the working folder by default. */
  readonly baseDir?: string;
  /** Where the secrets plugins read are registered; one is made when absent. The CLI passes its own, which also redacts its output. */
  readonly secrets?: SecretRedactor;
  /** Top-level sections of the file left out (the A/B lab's arms: the file's storage is not theirs). */
  readonly without?: readonly string[];
}

/** A plugin selected by config, with its validated options. */
export interface ResolvedPlugin<K extends PluginKind = PluginKind> {
  readonly definition: PluginDefinition<K>;
  readonly options: Record<string, unknown>;
  /** The config key that selected it. */
  readonly key: string;
}

/** A configured source with its plugin resolved. */
export interface ResolvedSource extends ResolvedPlugin<'source'> {
  readonly config: SourceConfig;
}

/** A configured sink with its plugin resolved. */
export interface ResolvedSink extends ResolvedPlugin<'sink'> {
  readonly config: SinkConfig;
}

/** The single-plugin slots, resolved. */
export interface ResolvedSlots {
  readonly 'market-data': ResolvedPlugin<'market-data'>;
  readonly consensus: ResolvedPlugin<'consensus'>;
  readonly 'early-exit-strategy': ResolvedPlugin<'early-exit-strategy'>;
  readonly explainer: ResolvedPlugin<'explainer'>;
  readonly 'reasoning-cache': ResolvedPlugin<'reasoning-cache'>;
  readonly storage: ResolvedPlugin<'storage'>;
}

/** A validated configuration with every plugin it names resolved. */
export interface LoadedConfig {
  readonly values: EngineConfig;
  /** The composed schema: engine plus the selected plugins' fragments. */
  readonly schema: convict.Schema<any>;
  /** The folder module paths and relative file paths are resolved against. */
  readonly baseDir: string;
  readonly file: string | null;
  readonly slots: ResolvedSlots;
  readonly sources: readonly ResolvedSource[];
  readonly sinks: readonly ResolvedSink[];
  /** A hash of `values`: two runs with the same hash ran the same configuration. */
  readonly hash: string;
  /** The environment the values were read with; plugins read secrets from it by name. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The secrets plugins have read from `env` so far, kept out of logs, messages and storage. */
  readonly secrets: SecretRedactor;
}

type Schema = Record<string, any>;

/** The largest config file read: a real one is a few KB, and a huge one is an attack on the parser. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

function readConfigFile(file: string): unknown {
  let text: string;
  try {
    const size = statSync(file).size;
    if (size > MAX_CONFIG_BYTES) throw new Error(`it is ${size} bytes, more than the ${MAX_CONFIG_BYTES} a config file may have`);
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ArgoError('ARGO_ERR_CONFIG_FILE', `cannot read config file ${file}: ${messageOf(error)}`, { cause: error });
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('the top level must be an object');
    assertShallow(parsed, 'the document');
    return parsed;
  } catch (error) {
    throw new ArgoError('ARGO_ERR_CONFIG_FILE', `config file ${file} is not a valid JSON object: ${messageOf(error)}`, { cause: error });
  }
}

function parseSet(pair: string): [string, string] {
  const at = pair.indexOf('=');
  if (at <= 0) throw new ArgoError('ARGO_ERR_CONFIG_SET', `--set ${JSON.stringify(pair)}: expected key=value, e.g. consensus.minConfidence=80`);
  return [pair.slice(0, at).trim(), pair.slice(at + 1)];
}

/** The environment variable of a key: `ARGO_` and the key in upper snake case, unless the leaf names its own. */
function envName(dotted: string, leaf: Schema): string {
  return leaf.env ?? `ARGO_${dotted.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/\./g, '_').toUpperCase()}`;
}

function mountPoint(schema: Schema, dotted: string): Schema {
  let node = schema;
  for (const part of dotted.split('.')) node = node[part] ??= {};
  return node;
}

function mountFragment(schema: Schema, slot: PluginSlot, def: PluginDefinition): void {
  const node = mountPoint(schema, slot.mount);
  for (const [key, fragment] of Object.entries(def.options ?? {})) {
    if (key in node) {
      throw new ArgoError(
        'ARGO_ERR_PLUGIN_DEFINITION',
        `${def.kind} plugin "${def.name}": option "${key}" clashes with the engine key ${slot.mount}.${key}`,
      );
    }
    node[key] = fragment;
  }
}

function valueAt(values: unknown, dotted: string): any {
  return dotted.split('.').reduce<any>((node, part) => (node === undefined || node === null ? undefined : node[part]), values);
}

/** A value for the key `dotted`, read by its schema node (a leaf, or a section given as an object). */
function readAt(schema: Schema, dotted: string, value: unknown, where: string, options: ReadTreeOptions): unknown {
  const node = nodeAt(schema, dotted);
  if (node === undefined) {
    if (options.undeclared === 'refuse') throw new ValueError(`${where}: ${dotted} is not a declared key`);
    return value;
  }
  return isLeaf(node) ? readLeaf(value, node, where) : readTree(value, node, dotted, options);
}

/**
 * Builds a convict instance from `schema` and applies every input in precedence order: file,
 * environment, `--set`, programmatic values. Each value is read strictly by its key's schema
 * (see config-values.ts) before convict sees it; convict then checks ranges and formats.
 */
function build(schema: Schema, input: ConfigInput, fileValues: unknown, label: string, options: ReadTreeOptions): convict.Config<any> {
  try {
    const config = convict(schema, { env: {}, args: [] });
    if (fileValues !== undefined) {
      assertNoPrototypeKeys(fileValues);
      config.load(readTree(fileValues, schema, '', options));
    }
    for (const [dotted, leaf] of leavesOf(schema)) {
      const name = envName(dotted, leaf);
      const text = input.env?.[name];
      if (text !== undefined) config.set(dotted, readLeaf(text, leaf, `${name} (${dotted})`));
    }
    for (const pair of input.sets ?? []) {
      const [key, text] = parseSet(pair);
      config.set(key, readAt(schema, key, text, `--set ${key}`, options));
    }
    for (const [key, value] of Object.entries(input.values ?? {})) {
      config.set(key, readAt(schema, key, value, key, options));
    }
    return config;
  } catch (error) {
    if (error instanceof ArgoError) throw error;
    throw new ArgoError('ARGO_ERR_CONFIG_INVALID', `${label}: ${validationText(error)}`, { cause: error });
  }
}

function selectedName(slot: PluginSlot, raw: unknown): string {
  const name = valueAt(raw, slot.selector);
  if (slot.kind === 'market-data' && name === AUTO_MARKET_DATA) {
    return valueAt(raw, 'data.dir') ? 'csv-bars' : 'synthetic-bars';
  }
  return name as string;
}

/** convict's message of a failed validation, without the ": value was X" it appends to our formats' own "was X". */
function validationText(error: unknown): string {
  return messageOf(error)
    .split('\n')
    .map((line) => (/, was .+: value was .+$/.test(line) ? line.slice(0, line.lastIndexOf(': value was ')) : line))
    .join('\n');
}

/** Loads, composes and validates a configuration, resolving every plugin it names. */
export function loadConfig(registry: PluginRegistry, input: ConfigInput = {}): LoadedConfig {
  const file = input.file === undefined ? null : path.resolve(input.file);
  const baseDir = file === null ? (input.baseDir ?? process.cwd()) : path.dirname(file);
  const read = file === null ? undefined : (readConfigFile(file) as Record<string, unknown>);
  const fileValues = read === undefined ? undefined : Object.fromEntries(Object.entries(read).filter(([section]) => !(input.without ?? []).includes(section)));
  const label = file === null ? 'config' : `config (${file})`;

  const firstPass = build(engineSchema(), input, fileValues, label, { undeclared: 'keep' });
  try {
    firstPass.validate({ allowed: 'warn', output: () => undefined });
  } catch (error) {
    throw new ArgoError('ARGO_ERR_CONFIG_INVALID', `${label}: ${validationText(error)}`, { cause: error });
  }
  const raw = firstPass.getProperties();

  const schema = engineSchema();
  const definitions = PLUGIN_SLOTS.map((slot) => {
    const definition = resolvePlugin(registry, slot.kind, selectedName(slot, raw), { key: slot.selector, baseDir });
    mountFragment(schema, slot, definition);
    return { slot, definition };
  });

  const config = build(schema, input, fileValues, label, { undeclared: 'refuse' });
  try {
    config.validate({ allowed: 'strict' });
  } catch (error) {
    throw new ArgoError('ARGO_ERR_CONFIG_INVALID', `${label}: ${validationText(error)}`, { cause: error });
  }
  const values = config.getProperties() as EngineConfig;

  const slots = Object.fromEntries(
    definitions.map(({ slot, definition }) => {
      const mounted = valueAt(values, slot.mount) ?? {};
      const options = Object.fromEntries(Object.keys(definition.options ?? {}).map((key) => [key, mounted[key]]));
      return [slot.kind, { definition, options, key: slot.selector }];
    }),
  ) as unknown as ResolvedSlots;

  const sources = values.sources.map((entry, i): ResolvedSource => {
    const key = `sources[${i}]`;
    const definition = resolvePlugin(registry, 'source', entry.plugin, { key: `${key}.plugin`, baseDir });
    return { definition, options: validateOptions(definition, entry.options, `${key}.options`), key, config: entry };
  });

  const sinks = values.sinks.map((entry, i): ResolvedSink => {
    const key = `sinks[${i}]`;
    const definition = resolvePlugin(registry, 'sink', entry.plugin, { key: `${key}.plugin`, baseDir });
    return { definition, options: validateOptions(definition, entry.options, `${key}.options`), key, config: entry };
  });

  return { values, schema, baseDir, file, slots, sources, sinks, hash: hashOf(values), env: input.env ?? {}, secrets: input.secrets ?? new SecretRedactor() };
}
