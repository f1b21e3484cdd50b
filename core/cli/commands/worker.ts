import type { Command } from 'commander';
import os from 'node:os';
import type { Cli } from '../cli';
import { positiveInteger, withConfigFlags, type ConfigFlags } from '../cli-options';

/** `argo-signals worker`. */
export function workerCommand(program: Command, cli: Cli): void {
  withConfigFlags(
    program
      .command('worker')
      .description('take shards off the distributed queue and evaluate them, until SIGTERM or SIGINT (then the shards in progress finish)')
      .option('--queue <name>', 'the queue (same as --set distributed.queue=…)')
      .option('--concurrency <k>', 'shards evaluated at once (same as --set distributed.concurrency=…)'),
  ).action(async (flags: ConfigFlags & { queue?: string; concurrency?: string }) => {
    const values: Record<string, unknown> = {};
    if (flags.queue !== undefined) values['distributed.queue'] = flags.queue;
    if (flags.concurrency !== undefined) values['distributed.concurrency'] = positiveInteger(flags.concurrency, '--concurrency', 1024);
    const config = cli.config(flags, values);
    const logger = cli.loggerFor(config);
    const { startQueueWorker } = await import('../../scale/queue-worker');
    const name = `${process.pid}@${os.hostname()}`;
    const worker = await startQueueWorker({ registry: cli.registry, env: config.env, logger, secrets: cli.secrets, worker: name }, config.values.distributed, config.env);
    cli.println(`worker ${name} on ${worker.where}, concurrency ${config.values.distributed.concurrency}`);
    cli.interruptedBy = await new Promise<NodeJS.Signals>((resolve) => process.once('SIGTERM', resolve).once('SIGINT', resolve));
    cli.err(`argo-signals: ${cli.interruptedBy} received, finishing the shards in progress\n`);
    const { shutdownMs } = config.values.service;
    if (!(await worker.close(shutdownMs))) {
      cli.leftRunning = true;
      cli.err(`argo-signals: warning: the worker did not close within service.shutdownMs (${shutdownMs} ms): the queue's Redis is not answering or a shard is still running; exiting, its shards go to another worker once their locks expire\n`);
    }
  });
}
