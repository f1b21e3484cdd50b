/**
 * The one strict reader of configuration values, for engine keys and plugin options alike.
 * convict reads `"16abc"` as 16, `"1e3"` as 1 for a natural number, `"0"` as true and lets
 * NaN pass a `Number` format; so every value is converted here, by the kind its schema leaf
 * declares, before convict sees it, and anything that is not exactly such a value is refused.
 */

/** What a schema leaf holds, as far as reading a value goes. */
export type ValueKind = 'integer' | 'natural' | 'port' | 'number' | 'boolean' | 'string' | 'custom';

/** A schema node: a leaf has a `default`; anything else is a section of named children. */
type SchemaNode = Record<string, any>;

/** Deepest nesting a configuration document may have: a real one needs about six levels. */
export const MAX_CONFIG_DEPTH = 32;

/** An error in a value, naming where it is; the config loader wraps it in a coded error. */
export class ValueError extends Error {}

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);

/** True for a schema leaf (a node with a default), as convict tells them apart. */
export function isLeaf(node: unknown): node is SchemaNode {
  return typeof node === 'object' && node !== null && !Array.isArray(node) && Object.hasOwn(node, 'default');
}

/** The kind of value a schema leaf declares through its `format` (or its default, for a format function that says nothing). */
export function valueKindOf(leaf: SchemaNode): ValueKind {
  const { format } = leaf;
  if (format === 'nat') return 'natural';
  if (format === 'int' || format === 'integer') return 'integer';
  if (format === 'port') return 'port';
  if (format === Number || format === 'number') return 'number';
  if (format === Boolean || format === 'boolean') return 'boolean';
  if (format === String || format === 'string') return 'string';
  if (Array.isArray(format)) return format.every((choice) => typeof choice === 'string') ? 'string' : 'custom';
  if (typeof format === 'function') {
    const declared = (format as { valueKind?: ValueKind }).valueKind;
    if (declared !== undefined) return declared;
    if (typeof leaf.default === 'number') return 'number';
    if (typeof leaf.default === 'boolean') return 'boolean';
  }
  return 'custom';
}

function kindName(kind: ValueKind): string {
  return { integer: 'an integer', natural: 'an integer of 0 or more', port: 'a port number 0..65535', number: 'a finite number', boolean: 'true or false', string: 'a string', custom: 'a value' }[kind];
}

function shown(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : typeof value === 'object' ? (Array.isArray(value) ? 'a list' : 'an object') : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function numberOf(value: unknown, kind: 'integer' | 'natural' | 'port' | 'number', where: string): number {
  const text = typeof value === 'string' ? value.trim() : undefined;
  const number = text !== undefined && NUMERIC.test(text) ? Number(text) : value;
  const fits =
    typeof number === 'number' &&
    Number.isFinite(number) &&
    (kind === 'number' || (Number.isSafeInteger(number) && (kind === 'integer' || (number >= 0 && (kind === 'natural' || number <= 65535)))));
  if (!fits) throw new ValueError(`${where} must be ${kindName(kind)}, was ${shown(value)}`);
  return number as number;
}

/**
 * Reads `value` as the kind `leaf` declares: a number, integer or boolean from its exact text
 * (`"1e3"` is 1000, `"16abc"` and `"80%"` are refused; booleans are true/false, 1/0, yes/no,
 * on/off) or from a JSON value of that type. Strings of other kinds pass through unchanged
 * for the leaf's own format to read (a list, a choice); sections and lists are refused where
 * a single value belongs.
 */
export function readLeaf(value: unknown, leaf: SchemaNode, where: string): unknown {
  const kind = valueKindOf(leaf);
  switch (kind) {
    case 'integer':
    case 'natural':
    case 'port':
    case 'number':
      return numberOf(value, kind, where);
    case 'boolean': {
      if (typeof value === 'boolean') return value;
      const word = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
      if (word !== undefined && TRUE_WORDS.has(word)) return true;
      if (word !== undefined && FALSE_WORDS.has(word)) return false;
      throw new ValueError(`${where} must be true or false (or 1/0, yes/no, on/off), was ${shown(value)}`);
    }
    case 'string':
      if (typeof value !== 'string') throw new ValueError(`${where} must be a string, was ${shown(value)}`);
      return value;
    case 'custom':
      if (typeof value === 'object' && value !== null && !Array.isArray(value) && leaf.format !== 'object' && leaf.format !== Object) {
        throw new ValueError(`${where} must be ${Array.isArray(leaf.default) ? 'a list' : 'a single value'}, was an object`);
      }
      return value;
  }
}

/** How {@link readTree} treats keys its schema does not declare. */
export interface ReadTreeOptions {
  /** Refuse them (the final pass) or keep them as they are (a first pass that only looks for plugin names, whose options it does not know yet). */
  readonly undeclared: 'refuse' | 'keep';
}

/**
 * Reads a document against `schema`: every leaf through {@link readLeaf}, sections recursively,
 * no deeper than {@link MAX_CONFIG_DEPTH}. Keys must be the schema's own (so `__proto__` and
 * `constructor` are never taken for declared keys); the copy returned has no prototype links
 * to them.
 */
export function readTree(document: unknown, schema: SchemaNode, prefix: string, options: ReadTreeOptions, depth = 0): Record<string, unknown> {
  const where = prefix === '' ? 'the top level' : prefix;
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new ValueError(`${where} must be an object of keys, was ${shown(document)}`);
  }
  if (depth > MAX_CONFIG_DEPTH) throw new ValueError(`${where} is nested deeper than ${MAX_CONFIG_DEPTH} levels`);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(document)) {
    const dotted = prefix === '' ? key : `${prefix}.${key}`;
    const node: unknown = Object.hasOwn(schema, key) ? schema[key] : undefined;
    if (node === undefined || node === null || typeof node !== 'object') {
      if (options.undeclared === 'refuse') throw new ValueError(`${dotted} is not a declared key`);
      out[key] = value;
      continue;
    }
    out[key] = isLeaf(node) ? readLeaf(value, node, dotted) : readTree(value, node as SchemaNode, dotted, options, depth + 1);
  }
  return out;
}

/** The schema node at a dotted key, or undefined when the schema does not declare it. */
export function nodeAt(schema: SchemaNode, dotted: string): SchemaNode | undefined {
  let node: unknown = schema;
  for (const part of dotted.split('.')) {
    if (node === null || typeof node !== 'object' || isLeaf(node) || !Object.hasOwn(node, part)) return undefined;
    node = (node as SchemaNode)[part];
  }
  return typeof node === 'object' && node !== null ? (node as SchemaNode) : undefined;
}

/** The dotted key of every leaf of `schema`, with the leaf. */
export function leavesOf(schema: SchemaNode, prefix = ''): [string, SchemaNode][] {
  return Object.entries(schema).flatMap(([key, node]): [string, SchemaNode][] => {
    const dotted = prefix === '' ? key : `${prefix}.${key}`;
    if (isLeaf(node)) return [[dotted, node]];
    return typeof node === 'object' && node !== null ? leavesOf(node as SchemaNode, dotted) : [];
  });
}

/** Calls `visit` with every key of `document` and where it is, without recursing (a hostile file may nest 30,000 levels). */
function visitKeys(document: unknown, visit: (key: string, path: string, depth: number) => void): void {
  const stack: [unknown, number, string][] = [[document, 0, '']];
  while (stack.length > 0) {
    const [value, depth, at] = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    for (const [key, child] of Object.entries(value)) {
      const path = Array.isArray(value) ? `${at}[${key}]` : at === '' ? key : `${at}.${key}`;
      visit(key, path, depth + 1);
      stack.push([child, depth + 1, path]);
    }
  }
}

/** Throws when `document` nests deeper than {@link MAX_CONFIG_DEPTH}. */
export function assertShallow(document: unknown, where: string): void {
  visitKeys(document, (_key, _path, depth) => {
    if (depth > MAX_CONFIG_DEPTH) throw new ValueError(`${where} is nested deeper than ${MAX_CONFIG_DEPTH} levels`);
  });
}

/** Throws at a `__proto__` key anywhere in `document`, also where no schema reaches (lists, plugin options): copying it sets a prototype. */
export function assertNoPrototypeKeys(document: unknown): void {
  visitKeys(document, (key, path) => {
    if (key === '__proto__') throw new ValueError(`${path} is not a declared key`);
  });
}
