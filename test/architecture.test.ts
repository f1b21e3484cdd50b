import { expect } from 'chai';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './helpers';

/** The folders whose modules form the program; tests may import anything. */
const ROOMS = ['core', 'plugins', 'workers', 'bench'];
/** The public entries: what users import, never a module inside the project. */
const ENTRIES = ['core/index.ts', 'core/plugin.ts', 'core/testing/index.ts'];

function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(file);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [file] : [];
  });
}

/** `import … from`, `export … from`, bare `import '…'`, `require(…)` and `import(…)`, type-only forms included. */
const SPECIFIER = /(?:^|\n)\s*(?:import|export)\s[^'"]*?\sfrom\s+['"]([^'"]+)['"]|(?:^|\n)\s*import\s+['"]([^'"]+)['"]|\b(?:require|import)\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every project module `file` imports, type imports included, as paths relative to the root. */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  return [...text.matchAll(SPECIFIER)]
    .map((m) => m[1] ?? m[2] ?? m[3])
    .filter((name) => name.startsWith('.'))
    .map((name) => {
      const base = path.normalize(path.join(path.dirname(file), name));
      return [`${base}.ts`, path.join(base, 'index.ts')].find((candidate) => existsSync(path.join(ROOT, candidate))) ?? base;
    });
}

const graph = new Map(ROOMS.flatMap(sources).map((file) => [file, importsOf(file)]));

/** The import circles of the graph (Tarjan's strongly connected components of more than one module, or one importing itself). */
function circles(): string[][] {
  let index = 0;
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (file: string) => {
    order.set(file, index);
    low.set(file, index++);
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue;
      if (!order.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file)!, low.get(next)!));
      } else if (stack.includes(next)) low.set(file, Math.min(low.get(file)!, order.get(next)!));
    }
    if (low.get(file) === order.get(file)) {
      const component: string[] = [];
      let top: string;
      do component.push((top = stack.pop()!));
      while (top !== file);
      if (component.length > 1 || graph.get(file)!.includes(file)) found.push(component.sort());
    }
  };
  for (const file of graph.keys()) if (!order.has(file)) visit(file);
  return found;
}

describe('architecture', () => {
  it('has no import circle anywhere, type imports included', () => {
    expect(graph.size).to.be.above(80);
    expect(circles()).to.deep.equal([]);
  });

  it('keeps core/ from importing plugins/', () => {
    const offending = [...graph].filter(([file, imports]) => file.startsWith('core/') && imports.some((i) => i.startsWith('plugins/')));
    expect(offending.map(([file]) => file)).to.deep.equal([]);
  });

  it('keeps the service (HTTP, scheduling) out of the engine and everything below it', () => {
    const below = ['core/engine/', 'core/reasoning/', 'core/plugin-system/', 'core/domain/', 'core/config/', 'plugins/', 'workers/'];
    const offending = [...graph].filter(([file, imports]) => below.some((room) => file.startsWith(room)) && imports.some((i) => i.startsWith('core/service/')));
    expect(offending.map(([file]) => file)).to.deep.equal([]);
  });

  it('keeps the engine apart from every runtime: core/engine/ imports nothing from workers/, core/scale/, core/service/, core/lab/ or core/cli/', () => {
    const runtimes = ['workers/', 'core/scale/', 'core/service/', 'core/lab/', 'core/cli/'];
    const offending = [...graph].flatMap(([file, imports]) => (file.startsWith('core/engine/') ? imports.filter((i) => runtimes.some((room) => i.startsWith(room))).map((i) => `${file} -> ${i}`) : []));
    expect([...graph.keys()].filter((file) => file.startsWith('core/engine/')).length).to.be.above(15);
    expect(offending).to.deep.equal([]);
  });

  it('keeps every module of core/ within 400 lines', () => {
    const long = [...graph.keys()]
      .filter((file) => file.startsWith('core/'))
      .map((file) => ({ file, lines: readFileSync(path.join(ROOT, file), 'utf8').split('\n').length - 1 }))
      .filter(({ lines }) => lines > 400);
    expect(long).to.deep.equal([]);
  });

  it('gives every CLI command a file of its own under core/cli/commands/, each registered by main.ts, which defines none itself', () => {
    const commands = sources('core/cli/commands');
    expect(commands.length).to.be.above(15);
    for (const file of commands) {
      const text = readFileSync(path.join(ROOT, file), 'utf8');
      const name = path.basename(file, '.ts').replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
      expect([...text.matchAll(/^export function (\w+)/gm)].map((m) => m[1]), file).to.deep.equal([`${name}Command`]);
      expect(text.match(/\bprogram\s*\.command\(/g), `${file}: commands added to the program`).to.have.lengthOf(1);
    }
    expect(graph.get('core/cli/main.ts')!.filter((i) => i.startsWith('core/cli/commands/')).sort()).to.deep.equal(commands.sort());
    expect(readFileSync(path.join(ROOT, 'core/cli/main.ts'), 'utf8')).not.to.match(/\.command\(/);
  });

  it('imports no public entry from inside the project', () => {
    const offending = [...graph].flatMap(([file, imports]) => imports.filter((i) => ENTRIES.includes(i) && !ENTRIES.includes(file)).map((i) => `${file} -> ${i}`));
    expect(offending).to.deep.equal([]);
  });
});
