import type { Command } from 'commander';
import { ArgoError } from '../../errors/errors';
import type { Cli } from '../cli';
import { withConfigFlags, type ConfigFlags } from '../cli-options';

/** `argo-signals sinks`. */
export function sinksCommand(program: Command, cli: Cli): void {
  const sinks = program.command('sinks').description('test the configured sinks, list and re-send their dead letters');
  withConfigFlags(sinks.command('test').description('send one sample message through a sink (one attempt) and say whether its peer acknowledged it').argument('<name>', 'the sink')).action(
    async (name: string, flags: ConfigFlags) => {
      const config = cli.config(flags);
      const { testSink, withDelivery } = await import('../sink-commands');
      await withDelivery(config, cli.loggerFor(config), (delivery) => testSink(delivery, name));
      cli.println(`sink ${name}: the test message was delivered`);
    },
  );
  withConfigFlags(sinks.command('dead').description('list the deliveries set aside after their attempts').option('--sink <name>', 'only this sink')).action(
    async (flags: ConfigFlags & { sink?: string }) => {
      const config = cli.config(flags);
      const { withDelivery } = await import('../sink-commands');
      const letters = await withDelivery(config, cli.loggerFor(config), async (delivery, storage) => {
        if (flags.sink !== undefined) delivery.runner(flags.sink);
        return (await storage.querySinkDeadLetters?.(flags.sink)) ?? [];
      });
      cli.println(
        flags.json
          ? JSON.stringify({ deadLetters: letters }, null, 2)
          : letters.length === 0
            ? 'no dead letters'
            : letters.map((l) => `${l.id}  ${l.sink}  ${l.message.event} ${l.message.signal.symbol} ${l.message.signal.asOf} (seq ${l.message.seq})  ${l.attempts} attempts, ${l.failedAt}: ${l.error}`).join('\n'),
      );
    },
  );
  withConfigFlags(sinks.command('retry').description('re-send dead letters (each with the usual retries); delivered ones are removed').option('--sink <name>', 'only this sink').option('--id <id>', 'only this dead letter')).action(
    async (flags: ConfigFlags & { sink?: string; id?: string }) => {
      const config = cli.config(flags);
      const { withDelivery } = await import('../sink-commands');
      const result = await withDelivery(config, cli.loggerFor(config), (delivery) => delivery.retryDead({ sink: flags.sink, id: flags.id }));
      cli.println(flags.json ? JSON.stringify(result) : `re-sent ${result.sent}, still dead ${result.failed}`);
      if (result.failed > 0) throw new ArgoError('ARGO_ERR_SINK_DELIVERY', `${result.failed} dead letters failed again; they stay (argo-signals sinks dead)`);
    },
  );
}
