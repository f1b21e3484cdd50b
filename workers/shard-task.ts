/** The Piscina task of `--threads N`: one shard a task, evaluated by the same contract as child processes and queue workers. */
import 'reflect-metadata';
import { evaluateShard } from '../core/scale/evaluate-shard';
import type { Shard, ShardResult } from '../core/engine/shard-contract';
import { localShardHost } from './shard-host';

const host = localShardHost();

export default function evaluate(shard: Shard): Promise<ShardResult> {
  return evaluateShard(host, shard);
}
