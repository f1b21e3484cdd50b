import type { Command } from 'commander';
import { configurationReference } from '../../config/config-doc';
import { checkPlugins } from '../../engine/check-plugins';
import type { Cli } from '../cli';
import { dataOption, dataValues, withConfigFlags, type ConfigFlags } from '../cli-options';

/** `argo-signals config`. */
export function configCommand(program: Command, cli: Cli): void {
  const config = program.command('config').description('check, print or document the configuration');
  withConfigFlags(
    config
      .command('check')
      .description('validate the configuration, then build every plugin it names, run their self-tests and close them')
      .option('--no-build', 'only validate: call no factory')
      .addOption(dataOption()),
  ).action(async (flags: ConfigFlags & { build: boolean; data?: string }) => {
    const loaded = cli.config(flags, dataValues(flags));
    const { plugins, symbolsWithoutBars } = flags.build ? await checkPlugins(loaded, cli.loggerFor(loaded)) : { plugins: [], symbolsWithoutBars: [] };
    if (flags.json) cli.println(JSON.stringify({ ok: true, hash: loaded.hash, built: flags.build, plugins, symbolsWithoutBars }, null, 2));
    else {
      cli.println(`config ok (hash ${loaded.hash})${flags.build ? `; built ${plugins.length} plugins and closed them` : '; plugins not built (--no-build)'}`);
      for (const p of plugins) cli.println(`  ${p.key.padEnd(24)} ${p.kind.padEnd(20)} ${p.name} ${p.version}${p.selfTest === 'passed' ? '  self-test passed' : ''}`);
    }
    if (symbolsWithoutBars.length > 0) cli.err(`argo-signals: warning: ARGO_ERR_DATA_SYMBOL_MISSING: the market data has no bars for ${symbolsWithoutBars.join(', ')}; runs skip them\n`);
  });
  withConfigFlags(config.command('print').description('print the effective configuration as JSON').addOption(dataOption())).action((flags: ConfigFlags & { data?: string }) => {
    cli.println(JSON.stringify(cli.config(flags, dataValues(flags)).values, null, 2));
  });
  withConfigFlags(config.command('doc').description('print the configuration reference (Markdown)')).action((flags: ConfigFlags) => {
    cli.config(flags);
    cli.out(configurationReference(cli.registry));
  });
}
