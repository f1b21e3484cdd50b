import os from 'node:os';
import { threadId } from 'node:worker_threads';
import type { ShardHost } from '../core/scale/evaluate-shard';
import { PluginRegistry } from '../core/plugin-system/plugin-registry';
import { createLogger } from '../core/util/logger';
import { SecretRedactor } from '../core/util/secret-redactor';
import { builtinPlugins } from '../plugins';
import { registerRuntimes } from './register-runtimes';

/** A host for shards in a child process or worker thread, and its composition root: the built-in plugins (others load by module path) and runtimes, this process's environment. */
export function localShardHost(onRun?: ShardHost['onRun']): ShardHost {
  registerRuntimes();
  const registry = new PluginRegistry();
  for (const plugin of builtinPlugins) registry.register(plugin);
  const secrets = new SecretRedactor();
  const level = process.env.ARGO_LOG_LEVEL ?? 'warn';
  const worker = `${process.pid}${threadId === 0 ? '' : `.${threadId}`}@${os.hostname()}`;
  return { registry, env: process.env, logger: createLogger(level, secrets), secrets, worker, onRun };
}
