import type { Command } from 'commander';
import path from 'node:path';
import { ArgoError, messageOf } from '../../errors/errors';
import { PLUGIN_KINDS } from '../../plugin-system/define-plugin';
import type { Cli } from '../cli';

/** `argo-signals plugin`. */
export function pluginCommand(program: Command, cli: Cli): void {
  const plugin = program.command('plugin').description('write and check plugin packages');
  plugin
    .command('check')
    .description("load a plugin (name, package or path), validate and build it, and run its kind's conformance suite on the sample bars")
    .argument('<specifier>', 'a built-in name, an installed package, or a path')
    .option('--options <json>', 'options to build it with, as a JSON object', '{}')
    .option('--json', 'print one JSON object')
    .action(async (specifier: string, flags: { options: string; json?: boolean }) => {
      let options: Record<string, unknown>;
      try {
        options = JSON.parse(flags.options) as Record<string, unknown>;
        if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new Error('not a JSON object');
      } catch (error) {
        throw new ArgoError('ARGO_ERR_USAGE', `--options must be a JSON object of the plugin's options: ${messageOf(error)}`);
      }
      // Loaded on demand: the kits bring fast-check, which no other command needs at start.
      const { checkPluginModule } = await import('../plugin-check');
      const report = await checkPluginModule(cli.registry, specifier, process.cwd(), options);
      const failed = report.checks.filter((c) => c.error !== undefined);
      if (flags.json) cli.println(JSON.stringify({ ...report, ok: failed.length === 0 }, null, 2));
      else {
        cli.println(`${report.kind} plugin "${report.name}" ${report.version}`);
        for (const check of report.checks) cli.println(check.error === undefined ? `  ok    ${check.name}` : `  FAIL  ${check.name}\n        ${check.error.split('\n').join('\n        ')}`);
        cli.println(failed.length === 0 ? `all ${report.checks.length} checks passed` : `${failed.length} of ${report.checks.length} checks failed`);
      }
      if (failed.length > 0) cli.checkFailed = true;
    });
  plugin
    .command('new')
    .description('write a plugin package: definition, a test that runs the kit, tsconfig, README')
    .argument('<kind>', `one of ${PLUGIN_KINDS.join(', ')}`)
    .argument('<name>', 'the plugin name, kebab-case')
    .option('--dir <dir>', 'where to write the package (default: ./argo-<kind>-<name>)')
    .option('--argo-signals <spec>', 'the dependency spec of argo-signals in the package (default: ^ this version)')
    .action(async (kind: string, name: string, flags: { dir?: string; argoSignals?: string }) => {
      const { scaffoldPlugin } = await import('../plugin-scaffold');
      const written = await scaffoldPlugin({ kind, name, dir: flags.dir, argoSignals: flags.argoSignals });
      cli.println(`wrote ${written.files.length} files to ${written.dir}:`);
      for (const file of written.files) cli.println(`  ${file}`);
      cli.println(`next: cd ${path.relative(process.cwd(), written.dir) || '.'} && npm install && npm test`);
    });
}
