import type { Command } from 'commander';
import type { Cli } from '../cli';
import { withConfigFlags, type ConfigFlags } from '../cli-options';

/** `argo-signals plugins`. */
export function pluginsCommand(program: Command, cli: Cli): void {
  withConfigFlags(program.command('plugins').description('list every plugin the configuration can name')).action((flags: ConfigFlags) => {
    cli.config(flags);
    const listed = cli.registry.list().map(({ def, origin }) => ({
      kind: def.kind,
      name: def.name,
      version: def.version,
      apiVersion: def.apiVersion,
      origin,
      description: def.description,
      offloadable: def.offloadable === true,
      options: Object.fromEntries(Object.entries(def.options ?? {}).map(([key, node]) => [key, (node as { default: unknown }).default])),
    }));
    if (flags.json) cli.println(JSON.stringify(listed, null, 2));
    else {
      for (const p of listed) {
        cli.println(`${p.kind.padEnd(20)} ${p.name.padEnd(22)} ${p.version.padEnd(8)} ${p.description}${p.offloadable ? ' [offloadable]' : ''}${p.origin === 'built-in' ? '' : ` [${p.origin}]`}`);
        const options = Object.entries(p.options).map(([key, value]) => `${key}=${JSON.stringify(value)}`);
        if (options.length > 0) cli.println(`${' '.repeat(21)}options: ${options.join(', ')}`);
      }
    }
  });
}
