/**
 * `argo-signals plugin new <kind> <name>`: writes a plugin package that builds with this
 * project's TypeScript, depends on argo-signals the way docs/plugins.md says, and tests itself
 * with its kind's conformance suite under node:test.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ArgoError } from '../errors/errors';
import { PLUGIN_API_VERSION, PLUGIN_KINDS, type PluginKind } from '../plugin-system/define-plugin';
import { PLUGIN_TEMPLATES } from './plugin-templates';

/** What to scaffold. */
export interface ScaffoldRequest {
  readonly kind: string;
  readonly name: string;
  /** The folder to write (default: ./argo-<kind>-<name>); must not exist or be empty. */
  readonly dir?: string;
  /** The spec of the argo-signals development dependency (default: ^ this version); a `file:` tarball tests against a local build. */
  readonly argoSignals?: string;
}

const SHORT_KIND: Readonly<Record<PluginKind, string>> = {
  source: 'source',
  consensus: 'consensus',
  'early-exit-strategy': 'early-exit',
  explainer: 'explainer',
  'reasoning-cache': 'reasoning-cache',
  storage: 'storage',
  'market-data': 'market-data',
  sink: 'sink',
};

/** This package's manifest: its version and the TypeScript and Node types a plugin builds with. */
function ownManifest(): { version: string; devDependencies: Record<string, string>; engines: { node: string } } {
  return JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', '..', 'package.json'), 'utf8'));
}

function readme(kind: PluginKind, name: string, pkg: string, description: string): string {
  const key = kind === 'source' ? `"sources": [{ "name": "${name}", "plugin": "${pkg}" }]` : `the key that selects a ${kind} plugin (see argo-signals' docs/configuration.md), set to "${pkg}"`;
  return `# ${pkg}

${description}

## Develop

\`\`\`sh
npm install
npm test        # builds, then runs argo-signals' conformance suite for a ${kind} plugin (node:test)
npx argo-signals plugin check .   # the same suite, from the argo-signals CLI
\`\`\`

## Use

Install it next to argo-signals (\`npm install ${pkg}\`) and name it in the config: ${key}.
\`argo-signals config check\` builds it; \`argo-signals plugins --config …\` lists it with its options.
`;
}

/** Writes the package; resolves with its folder and the files written, relative to it. */
export async function scaffoldPlugin(request: ScaffoldRequest): Promise<{ dir: string; files: string[] }> {
  if (!(PLUGIN_KINDS as readonly string[]).includes(request.kind)) {
    throw new ArgoError('ARGO_ERR_USAGE', `plugin new: kind "${request.kind}" is not one of ${PLUGIN_KINDS.join(', ')}`);
  }
  const kind = request.kind as PluginKind;
  if (!/^[a-z][a-z0-9-]*$/.test(request.name)) throw new ArgoError('ARGO_ERR_USAGE', `plugin new: name ${JSON.stringify(request.name)} must be kebab-case (a-z, 0-9, -)`);
  const pkg = `argo-${SHORT_KIND[kind]}-${request.name}`;
  const dir = path.resolve(request.dir ?? pkg);
  if (existsSync(path.join(dir, 'package.json'))) throw new ArgoError('ARGO_ERR_USAGE', `plugin new: ${dir} already holds a package.json; choose another --dir`);
  const manifest = ownManifest();
  const template = PLUGIN_TEMPLATES[kind];
  const fill = (text: string) => text.replaceAll('NAME', request.name).replaceAll("'API'", `'^${PLUGIN_API_VERSION.split('.')[0]}.0.0'`);
  const files: Record<string, string> = {
    'package.json': `${JSON.stringify(
      {
        name: pkg,
        version: '0.1.0',
        description: template.description,
        license: 'MIT',
        main: 'dist/index.js',
        types: 'dist/index.d.ts',
        files: ['dist/', '!dist/*.test.*'],
        engines: manifest.engines,
        scripts: { build: 'tsc -p tsconfig.json', test: 'npm run build && node --test dist/index.test.js', prepack: 'npm run build' },
        // Optional: installing the plugin never fetches argo-signals; it uses the project's.
        peerDependencies: { 'argo-signals': `>=${manifest.version}` },
        peerDependenciesMeta: { 'argo-signals': { optional: true } },
        devDependencies: {
          'argo-signals': request.argoSignals ?? `^${manifest.version}`,
          '@types/node': manifest.devDependencies['@types/node'],
          typescript: manifest.devDependencies.typescript,
        },
      },
      null,
      2,
    )}\n`,
    'tsconfig.json': `${JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          module: 'node16',
          moduleResolution: 'node16',
          rootDir: 'src',
          outDir: 'dist',
          declaration: true,
          strict: true,
          skipLibCheck: true,
          types: ['node'],
        },
        include: ['src'],
      },
      null,
      2,
    )}\n`,
    'src/index.ts': fill(template.definition),
    'src/index.test.ts': fill(template.test),
    'README.md': readme(kind, request.name, pkg, template.description),
    '.gitignore': 'node_modules/\ndist/\n*.tgz\n',
  };
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
  return { dir, files: Object.keys(files) };
}
