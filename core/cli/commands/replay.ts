import type { Command } from 'commander';
import path from 'node:path';
import type { SymbolResult } from '../../engine/symbol-pipeline';
import { ArgoError } from '../../errors/errors';
import { writeError } from '../../util/disk-full';
import { InFlight } from '../../util/in-flight';
import { JsonLinesAppender } from '../../util/json-lines';
import type { Cli } from '../cli';
import { assertAllStored, dataOption, dataValues, dateRange, recordOption, withConfigFlags, withShardOptions, type ConfigFlags, type ShardFlags, type TapeFlags } from '../cli-options';
import { formatStats } from '../format';

/** `argo-signals replay`. */
export function replayCommand(program: Command, cli: Cli): void {
  withConfigFlags(
    withShardOptions(program
      .command('replay')
      .description('one cycle per trading day of a date range, as of each close; or the cycles of a recording (--cassette)')
      .option('--from <date>', 'first date, YYYY-MM-DD (required without --cassette)')
      .option('--to <date>', 'last date, YYYY-MM-DD (required without --cassette)')
      .addOption(dataOption())
      .option('--out <file>', 'write every signal as one JSON line')
      .addOption(recordOption())
      .option('--cassette <dir>', 'replay the recorded cycles in DIR (written by --record), every source and the bars answered from it')
      .option('--deliver', 'then deliver the stored signals to every configured sink (docs/delivery.md)'), 'replay'),
  ).action(async (flags: ConfigFlags & TapeFlags & ShardFlags & { from?: string; to?: string; data?: string; out?: string; deliver?: boolean }) => {
    const { from, to } = dateRange(flags);
    if (flags.cassette === undefined && (from === undefined || to === undefined)) throw new ArgoError('ARGO_ERR_USAGE', 'replay needs --from and --to (or --cassette DIR)');
    if (flags.cassette !== undefined && (from !== undefined || to !== undefined)) throw new ArgoError('ARGO_ERR_USAGE', '--cassette replays the recorded cycles: leave out --from and --to');
    const values = dataValues(flags);
    const outPath = flags.out === undefined ? undefined : path.resolve(flags.out);
    // Lines are appended without waiting for each; the first failed one stops the replay at its next result.
    const outWrites = new InFlight();
    let outFailure: ArgoError | undefined;
    // A cassette's live cycles give a signal again on the bar they evaluated before: it is written once.
    const written = new Set<string>();
    const report = await cli.withRun(cli.configInput(flags, values), async (run) => {
      // Opened once the run is built: a run that cannot start leaves no empty file behind.
      const outFile = outPath === undefined ? undefined : await JsonLinesAppender.open(outPath).catch((error: unknown) => Promise.reject(writeError(outPath, '--out', error)));
      const onResult = (result: SymbolResult) => {
        if (outFailure !== undefined) throw outFailure;
        const signal = result.signal;
        if (signal === null || outFile === undefined || written.has(signal.id)) return;
        written.add(signal.id);
        outWrites.track(outFile.append(signal).catch((error: unknown) => (outFailure ??= writeError(outPath!, `--out: signal ${signal.id}`, error))));
      };
      try {
        return await cli.delivering(run, flags.deliver, () => (flags.cassette === undefined ? run.replay({ from: from!, to: to!, onResult }) : run.replayCassette(run.cassette!, { onResult })));
      } finally {
        await outWrites.idle();
        await outFile?.close();
        if (outFailure !== undefined) throw outFailure;
      }
    }, flags);
    cli.println(flags.json ? JSON.stringify(report.stats, null, 2) : formatStats(report.stats));
    if (report.stats.warmingUp > 0) {
      cli.err(
        `argo-signals: warning: ${report.stats.warmingUp} symbol-days were evaluated while a source still lacked history (warming up): their history begins too close to the first replayed date; start it earlier (data.start for a provider) or replay from a later date\n`,
      );
    }
    assertAllStored(report.stats);
  });
}
