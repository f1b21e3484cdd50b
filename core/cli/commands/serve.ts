import type { Command } from 'commander';
import { loadConfig } from '../../config/config-loader';
import { Run } from '../../engine/run';
import type { Cli } from '../cli';
import { dataOption, dataValues, recordOption, withConfigFlags, type ConfigFlags, type TapeFlags } from '../cli-options';

/** `argo-signals serve`. */
export function serveCommand(program: Command, cli: Cli): void {
  withConfigFlags(
    program
      .command('serve')
      .description('keep one run alive: cycles on a schedule and an HTTP API, until SIGTERM or SIGINT')
      .addOption(dataOption())
      .addOption(recordOption())
      .option('--processes <n>', 'evaluate each cycle in N child processes kept for the service, each holding the indicator state of its symbols')
      .option('--distributed', 'evaluate each cycle as shards of distributed.shardSize symbols on the BullMQ queue distributed.queue (run `argo-signals worker` beside)'),
  ).action(async (flags: ConfigFlags & TapeFlags & { data?: string; distributed?: boolean; processes?: string }) => {
    const input = cli.configInput(flags, dataValues(flags));
    await cli.withRun(input, async (run) => {
      // Loaded on demand: Fastify, croner and prom-client serve no other command.
      const { serve } = await import('../../service/serve-command');
      const last = await serve(run, {
        loadConfig: () => loadConfig(cli.registry, input),
        // A reload keeps the children or the queue the service started with; queue shards take the new distributed.shardSize.
        createRun: (config) =>
          Run.create(config, cli.loggerFor(config), run.shards === undefined ? {} : { shards: { ...run.shards, size: run.shards.count === undefined ? config.values.distributed.shardSize : undefined } }),
        println: cli.println,
      });
      if (last !== run) await last.close();
    }, flags);
  });
}
