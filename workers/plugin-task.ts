/**
 * The task module the worker pool runs: builds a plugin from its module specifier and
 * validated options (no closure crosses the thread boundary) and runs a batch through it.
 * Default-exports one handler, as Piscina expects.
 */
import { PluginRegistry, createLogger, hashOf, resolvePlugin, type Consensus, type ConsensusResult, type OpinionHistory, type WeightedOpinion } from '../core';
import { builtinPlugins } from '../plugins';

/** How a worker finds and builds a plugin: everything structured-clone-safe. */
export interface PluginRef {
  readonly kind: 'consensus';
  /** A built-in name or a module specifier, as in the config. */
  readonly specifier: string;
  /** The folder a relative module path is resolved against (the config file's). */
  readonly baseDir: string;
  /** Options already validated by the main thread. */
  readonly options: Record<string, unknown>;
  readonly seed: number;
}

/** One symbol's consensus question: its opinions, and its history when the plugin keeps one. */
export interface ConsensusInput {
  readonly opinions: readonly WeightedOpinion[];
  readonly history?: OpinionHistory;
}

/** A chunk of consensus work: many symbols' inputs, one plugin. */
export interface ConsensusBatch {
  readonly plugin: PluginRef;
  readonly inputs: readonly ConsensusInput[];
}

const registry = new PluginRegistry();
for (const plugin of builtinPlugins) registry.register(plugin);
const logger = createLogger('warn');
/** Plugins built in this worker, by reference: built once, reused by every later batch. */
const instances = new Map<string, Promise<Consensus>>();

function instanceOf(ref: PluginRef): Promise<Consensus> {
  const key = hashOf(ref);
  let instance = instances.get(key);
  if (instance === undefined) {
    const def = resolvePlugin(registry, ref.kind, ref.specifier, { key: 'worker', baseDir: ref.baseDir });
    instance = Promise.resolve(
      def.create({
        options: ref.options,
        logger: logger.child({ plugin: `${def.kind}:${def.name}`, worker: true }),
        instanceName: def.name,
        runId: 'worker',
        seed: ref.seed,
        env: {},
        now: Date.now,
        resolvePath: (p: string) => p,
      }),
    );
    instances.set(key, instance);
  }
  return instance;
}

/** Combines every input of the batch, in order. */
export default async function consensusBatch(batch: ConsensusBatch): Promise<ConsensusResult[]> {
  const consensus = await instanceOf(batch.plugin);
  const results: ConsensusResult[] = [];
  for (const { opinions, history } of batch.inputs) results.push(await consensus.combine(opinions, history));
  return results;
}
