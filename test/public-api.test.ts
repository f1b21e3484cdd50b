import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './helpers';

/** Each public entry: its source file and the committed list of what it exports. */
const ENTRIES = {
  'argo-signals': 'core/index.ts',
  'argo-signals/plugin': 'core/plugin.ts',
  'argo-signals/testing': 'core/testing/index.ts',
  'argo-signals/builtins': 'plugins/index.ts',
} as const;

/** The names an entry exports, types included, read from its `export { … } from` and `export const/function/class` lines. */
function exportedNames(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const names = [...text.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g)].flatMap((m) =>
    m[1]
      .split(',')
      .map((part) => part.replace(/^\s*type\s+/, '').trim())
      .filter((part) => part !== '')
      .map((part) => part.split(/\s+as\s+/).pop()!),
  );
  names.push(...[...text.matchAll(/export\s+(?:const|function|class|interface|type)\s+([A-Za-z_$][\w$]*)/g)].map((m) => m[1]));
  return [...new Set(names)].sort();
}

describe('public entries', () => {
  for (const [entry, file] of Object.entries(ENTRIES)) {
    it(`${entry} exports exactly its committed list (test/fixtures/public-api)`, () => {
      const listFile = path.join(ROOT, 'test', 'fixtures', 'public-api', `${entry.replace('/', '__')}.txt`);
      const actual = exportedNames(file);
      if (process.env.ARGO_UPDATE_PUBLIC_API === '1') writeFileSync(listFile, `${actual.join('\n')}\n`);
      const committed = readFileSync(listFile, 'utf8').trim().split('\n');
      expect(actual, `${entry}: change the list on purpose (ARGO_UPDATE_PUBLIC_API=1 npm test rewrites it)`).to.deep.equal(committed);
    });
  }

  it('resolves each entry through package.json exports to a module that loads', () => {
    const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, { default: string }> };
    for (const entry of Object.keys(ENTRIES)) {
      const subpath = entry === 'argo-signals' ? '.' : `./${entry.split('/')[1]}`;
      const loaded = require(path.join(ROOT, manifest.exports[subpath].default)) as Record<string, unknown>;
      expect(Object.keys(loaded).length, entry).to.be.above(0);
    }
  });
});
