/**
 * Runs `cycles` service cycles on synthetic data in this process (started with --expose-gc)
 * and prints the live heap after a full collection at every `every` cycles, as JSON.
 */
import { loadConfig } from '../../core/config/config-loader';
import { Run } from '../../core/engine/run';
import { LiveService } from '../../core/service/live-service';
import { TradingSession } from '../../core/service/trading-session';
import { createLogger } from '../../core/util/logger';
import { builtinRegistry } from '../helpers';

async function main(): Promise<void> {
  const [cycles, every, dbPath] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4]];
  const gc = (globalThis as { gc?: () => void }).gc!;
  const config = loadConfig(builtinRegistry(), {
    values: { 'storage.plugin': 'sqlite', 'storage.path': dbPath, 'data.days': 300, 'consensus.minConfidence': 1, 'reasoning.mode': 'cached', 'service.cycleHistory': 100 },
  });
  const logger = createLogger('silent');
  const run = await Run.create(config, logger);
  const service = new LiveService(run, { schedule: config.values.service.schedule, session: new TradingSession(config.values.service.session), historySize: 100, logger });
  const samples: { cycle: number; heapBytes: number }[] = [];
  for (let cycle = 1; cycle <= cycles; cycle++) {
    const record = await service.cycleNow();
    if (record.error !== null) throw new Error(record.error);
    if (cycle % every === 0) {
      gc();
      gc();
      samples.push({ cycle, heapBytes: process.memoryUsage().heapUsed });
    }
  }
  await run.close();
  process.stdout.write(JSON.stringify({ samples, history: service.history().length }));
}

void main().catch((error: unknown) => {
  process.stderr.write(String(error));
  process.exitCode = 1;
});
