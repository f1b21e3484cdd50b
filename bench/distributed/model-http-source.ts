/**
 * `bench distributed` only: a source asking the model server of `bench cycle` over HTTP,
 * loaded by module path so that worker processes build it as the scheduler does.
 */
import { PLUGIN_API_VERSION, defineSourcePlugin } from '../../core/plugin-system/define-plugin';
import type { Opinion } from '../../core/domain/domain';

export default defineSourcePlugin<{ url: string; source: string }>({
  name: 'bench-model-http-source',
  version: '1.0.0',
  apiVersion: `^${PLUGIN_API_VERSION}`,
  description: "bench distributed only: one model source's opinion over HTTP, after its latency.",
  options: {
    url: { doc: 'The model server.', format: String, default: '' },
    source: { doc: 'The model source to ask.', format: String, default: '' },
  },
  create({ options }) {
    return {
      async opinion({ symbol, signal }) {
        const response = await fetch(`${options.url}/source/${options.source}?symbol=${symbol}&cycle=0`, { signal });
        if (!response.ok) throw new Error(`model server answered ${response.status}`);
        return (await response.json()) as Opinion;
      },
    };
  },
});
