/**
 * Saves signals into a storage plugin built from its module specifier, printing `ACK <id>` as
 * each save is acknowledged, until killed: the storage suite kills it with SIGKILL and checks
 * that every acknowledged signal is there.
 */
import { resolvePlugin } from '../plugin-system/plugin-loader';
import { PluginRegistry } from '../plugin-system/plugin-registry';
import { sampleSignal } from './sample-data';
import { testContext } from './test-context';

async function main(): Promise<void> {
  const [specifier, baseDir, dir, optionsJson] = process.argv.slice(2);
  const definition = resolvePlugin(new PluginRegistry(), 'storage', specifier, { key: 'storage', baseDir });
  const storage = await definition.create(testContext(definition, { dir, options: JSON.parse(optionsJson) as Record<string, unknown> }));
  for (let batch = 0; ; batch++) {
    const saves = Array.from({ length: 10 }, (_, j) => {
      const i = batch * 10 + j;
      const id = `kill-${String(i).padStart(6, '0')}`;
      const asOf = `2024-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')}`;
      return storage.save(sampleSignal(id, { asOf })).then(() => void process.stdout.write(`ACK ${id}\n`));
    });
    await storage.flush?.();
    await Promise.all(saves);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
