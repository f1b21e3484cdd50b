/**
 * The delivery commands (docs/delivery.md): `deliver --sink NAME [--from-seq N]` (a cron job's
 * catch-up), `sinks test NAME`, `sinks dead`, `sinks retry`, and the `--deliver` of `run` and
 * `replay`. Each opens the configured storage for writing (the cursors move) without a run.
 */
import type { LoadedConfig } from '../config/config-loader';
import { Delivery } from '../delivery/delivery';
import { sinkMessage, type SinkState } from '../delivery/sink-runner';
import { openStorage } from '../engine/plugin-factory';
import { ArgoError } from '../errors/errors';
import type { Storage } from '../plugin-system/plugin-contracts';
import { sampleSignal } from '../testing/sample-data';
import type { Logger } from '../util/logger';

/** The sinks' figures as lines: cursor, lag, delivered, failures, dead letters, last error. */
export function formatSinks(states: readonly SinkState[]): string {
  if (states.length === 0) return 'no sinks configured (sinks: [])';
  return states
    .map((s) => `${s.name} (${s.plugin}): cursor ${s.cursor.signals}/${s.cursor.reasoning}, lag ${s.lagSignals} signals, delivered ${s.delivered}, failures ${s.failures}, dead letters ${s.deadLetters}${s.lastError === null ? '' : `; last error: ${s.lastError}`}`)
    .join('\n');
}

/** Opens the storage of `config` for writing and `body` on its delivery; closes both. */
export async function withDelivery<T>(config: LoadedConfig, logger: Logger, body: (delivery: Delivery, storage: Storage) => Promise<T>): Promise<T> {
  const storage = await openStorage(config, logger, 'write');
  try {
    const delivery = await Delivery.open(config, storage, logger);
    try {
      return await body(delivery, storage);
    } finally {
      await delivery.close();
    }
  } finally {
    await storage.close();
  }
}

/**
 * Delivers up to the newest stored signal (`only` one sink, from `fromSeq` when given), then
 * answers the sinks' figures; ARGO_ERR_SINK_DELIVERY when anything went to the dead letters.
 */
export async function deliverNow(delivery: Delivery, options: { only?: string; fromSeq?: number } = {}): Promise<SinkState[]> {
  if (options.only !== undefined) delivery.runner(options.only);
  if (options.fromSeq !== undefined) {
    if (options.only === undefined) throw new ArgoError('ARGO_ERR_USAGE', '--from-seq needs --sink: it moves one sink\'s cursor');
    await delivery.runner(options.only).rewind(options.fromSeq);
  }
  const before = new Map((await delivery.states()).map((s) => [s.name, s.deadLetters]));
  await delivery.catchUp(options.only);
  const states = (await delivery.states()).filter((s) => options.only === undefined || s.name === options.only);
  const dead = states.filter((s) => s.deadLetters > (before.get(s.name) ?? 0));
  if (dead.length > 0) {
    throw new ArgoError('ARGO_ERR_SINK_DELIVERY', `${dead.map((s) => `${s.name}: ${s.deadLetters - (before.get(s.name) ?? 0)} deliveries set aside (${s.lastError ?? 'failed'})`).join('; ')}; argo-signals sinks dead lists them, sinks retry re-sends them`);
  }
  return states;
}

/** `sinks test NAME`: one sample message through the sink, one attempt; resolves once acknowledged. */
export async function testSink(delivery: Delivery, name: string): Promise<void> {
  const runner = delivery.runner(name);
  const message = sinkMessage('signal', 0, sampleSignal(`argo-signals-sink-test-${Date.now()}`, { reasoning: 'A test message from argo-signals sinks test: no trade is meant.' }));
  const failure = await runner.probe(message);
  if (failure !== null) throw new ArgoError('ARGO_ERR_SINK_DELIVERY', `sink ${name}: the test message was not delivered: ${failure}`);
}
