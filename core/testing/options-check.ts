import assert from 'node:assert/strict';
import { leavesOf, valueKindOf, type ValueKind } from '../config/config-values';
import { isArgoError } from '../errors/errors';
import type { PluginDefinition } from '../plugin-system/define-plugin';
import { validateOptions } from '../plugin-system/plugin-loader';
import type { TestApi } from './test-api';

/** Values of the wrong format for each kind of option; every one must be refused. */
const WRONG: Readonly<Partial<Record<ValueKind, readonly unknown[]>>> = {
  number: ['high', '80%', 'NaN', Number.NaN, true],
  integer: ['16abc', '1.5', 1.5, 'x'],
  natural: ['16abc', '-1', -1, 1.5],
  port: ['70000', 'http'],
  boolean: ['maybe', 2, 'yes please'],
  string: [42, { nested: true }],
};

/**
 * Adds the test that the plugin's declared options refuse values of the wrong format with
 * ARGO_ERR_PLUGIN_OPTIONS naming the option, as the strict reader does at load, so an author
 * sees a schema that accepts nonsense before a user does. `valid` are options the plugin
 * needs to build (a URL, a path); each wrong value is tried with them.
 */
export function optionsCheck(api: TestApi, definition: PluginDefinition, valid: Record<string, unknown> = {}): void {
  api.it('refuses option values of the wrong format, naming the option', () => {
    const schema = (definition.options ?? {}) as Record<string, unknown>;
    assert.doesNotThrow(() => validateOptions(definition, valid, 'options'), 'the valid options given to the suite must pass');
    for (const [dotted, leaf] of leavesOf(schema)) {
      for (const value of WRONG[valueKindOf(leaf)] ?? []) {
        const raw = structuredClone(valid) as Record<string, unknown>;
        const parts = dotted.split('.');
        let node = raw;
        for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
        node[parts[parts.length - 1]] = value;
        assert.throws(
          () => validateOptions(definition, raw, 'options'),
          (error: unknown) => isArgoError(error, 'ARGO_ERR_PLUGIN_OPTIONS') && error.message.includes(dotted),
          `option ${dotted} accepted ${JSON.stringify(value) ?? String(value)}`,
        );
      }
    }
  });
}
