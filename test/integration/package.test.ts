import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, tempDir, writeJson } from '../helpers';

const PACKAGE = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  version: string;
};
const KINDS = ['source', 'consensus', 'early-exit-strategy', 'explainer', 'reasoning-cache', 'storage', 'market-data'];
const EXAMPLE = path.join(ROOT, 'examples', 'argo-source-momentum-flip');

/** npm with the native build settings .ci/run uses; the registry is reached only for what the cache lacks. */
function npm(args: readonly string[], cwd: string): string {
  const env = { ...process.env, npm_config_nodedir: process.env.npm_config_nodedir ?? (existsSync('/usr/include/node/node.h') ? '/usr' : undefined) };
  const result = spawnSync('npm', [...args, '--no-audit', '--no-fund'], { cwd, env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`npm ${args.join(' ')} in ${cwd} failed:\n${result.stderr.slice(-3000)}`);
  return result.stdout;
}

/** Packs a package without its lifecycle scripts (the suite already built dist; prepack would delete it under the running tests). */
function pack(dir: string, into: string): string {
  const name = npm(['pack', '--ignore-scripts', '--pack-destination', into], dir).trim().split('\n').pop()!;
  return path.join(into, name);
}

/**
 * An empty project that installs argo-signals from its tarball. It is kept between runs in the
 * temporary folder, keyed by the dependency list and this checkout (two checkouts testing at
 * once, a session's and CI's, must not install into one folder), so only the first run builds
 * the native SQLite drivers (about two minutes); later runs reinstall just argo-signals.
 */
function hostProject(tarball: string): string {
  const key = createHash('sha256').update(JSON.stringify([ROOT, PACKAGE.dependencies, PACKAGE.devDependencies.typescript, PACKAGE.devDependencies['@types/node']])).digest('hex').slice(0, 12);
  const host = path.join(tmpdir(), `argo-package-host-${key}`);
  mkdirSync(host, { recursive: true });
  writeFileSync(path.join(host, 'package.json'), JSON.stringify({ name: 'argo-host', version: '1.0.0', private: true }));
  // What a scaffolded plugin builds with, installed once beside argo-signals.
  npm(['install', '--prefer-offline', tarball, `typescript@${PACKAGE.devDependencies.typescript}`, `@types/node@${PACKAGE.devDependencies['@types/node']}`], host);
  return host;
}

describe('the package, installed from its tarball', function () {
  this.timeout(900_000);
  let packs: string;
  let tarball: string;
  let host: string;
  before(() => {
    packs = tempDir();
    tarball = pack(ROOT, packs);
    host = hostProject(tarball);
  });

  it('ships the built code, examples, docs and README, and no tests, sources or source maps', () => {
    const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).trim().split('\n').map((f) => f.replace(/^package\//, ''));
    expect(files).to.include.members(['bin/argo-signals.js', 'dist/core/index.js', 'dist/core/plugin.js', 'dist/core/plugin.d.ts', 'dist/plugins/index.js', 'dist/workers/plugin-task.js', 'README.md', 'package.json']);
    expect(files.filter((f) => f.startsWith('dist/test/') || f.endsWith('.map') || f.endsWith('.ts') && !f.endsWith('.d.ts') || f.startsWith('test/'))).to.deep.equal([]);
  });

  it('runs `npx argo-signals run` in a project that installed nothing else', () => {
    const result = spawnSync('npx', ['--no-install', 'argo-signals', 'run'], { cwd: host, encoding: 'utf8' });
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout).to.contain('source calls: made 30');
  });

  it('loads a plugin package installed offline from its own tarball, by package name, with the dependency declaration docs/plugins.md gives', () => {
    npm(['install', '--offline', pack(EXAMPLE, packs)], host);
    const config = writeJson(host, 'plugin.json', { sources: [{ name: 'flip', plugin: 'argo-source-momentum-flip', weight: 1 }, { name: 'trend', plugin: 'technical-trend' }] });
    const result = spawnSync('npx', ['--no-install', 'argo-signals', 'run', '--config', config, '--json'], { cwd: host, encoding: 'utf8' });
    expect(result.status, result.stderr).to.equal(0);
    expect(JSON.parse(result.stdout).stats.sourceCalls.bySource.flip.made).to.equal(6);
  });

  it('scaffolds a package of every kind whose own tests run its kind\'s kit and pass, with the project\'s TypeScript', () => {
    const tsc = path.join(host, 'node_modules', 'typescript', 'bin', 'tsc');
    for (const kind of KINDS) {
      const dir = path.join(host, 'scaffolds', kind);
      rmSync(dir, { recursive: true, force: true });
      const scaffold = spawnSync('npx', ['--no-install', 'argo-signals', 'plugin', 'new', kind, 'demo', '--dir', dir], { cwd: host, encoding: 'utf8' });
      expect(scaffold.status, scaffold.stderr).to.equal(0);
      const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
      expect(manifest.peerDependenciesMeta['argo-signals'].optional, kind).to.equal(true);
      // Built and tested with the host's argo-signals, TypeScript and Node types, found up the folder tree.
      execFileSync(process.execPath, [tsc, '-p', dir], { cwd: dir, encoding: 'utf8' });
      const tested = spawnSync(process.execPath, ['--test', 'dist/index.test.js'], { cwd: dir, encoding: 'utf8' });
      expect(tested.status, `${kind}: ${tested.stdout.slice(-2500)}`).to.equal(0);
      expect(tested.stdout, kind).to.match(/# fail 0/);
    }
  });

  it('installs a scaffolded package offline from its tarball, and plugin check passes on it by package name', () => {
    const dir = path.join(host, 'scaffolds', 'source');
    npm(['install', '--offline', pack(dir, packs)], host);
    const checked = spawnSync('npx', ['--no-install', 'argo-signals', 'plugin', 'check', 'argo-source-demo'], { cwd: host, encoding: 'utf8' });
    expect(checked.status, checked.stdout + checked.stderr).to.equal(0);
    expect(checked.stdout).to.contain('source plugin "demo" 0.1.0').and.contain('all 5 checks passed');
  });

  it('builds and passes the TypeScript example package\'s own tests, which run the early-exit kit', () => {
    const dir = path.join(host, 'examples', 'argo-early-exit-half-weight');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(path.dirname(dir), { recursive: true });
    cpSync(path.join(ROOT, 'examples', 'argo-early-exit-half-weight'), dir, { recursive: true, filter: (file) => !/(node_modules|dist)$/.test(file) });
    execFileSync(process.execPath, [path.join(host, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], { cwd: dir, encoding: 'utf8' });
    const tested = spawnSync(process.execPath, ['--test', 'dist/index.test.js'], { cwd: dir, encoding: 'utf8' });
    expect(tested.status, tested.stdout.slice(-2500)).to.equal(0);
    expect(tested.stdout).to.match(/# pass (\d+)/).and.match(/# fail 0/);
  });
});
