import { PLUGIN_API_VERSION, defineExplainerPlugin } from '../../core/plugin-system/define-plugin';
import type { ExplainRequest } from '../../core/plugin-system/plugin-contracts';

interface TemplateOptions {
  topSources: number;
}

function fixed(value: number, digits = 2): string {
  return value.toFixed(digits);
}

/** A sentence per part: the call, the sources that drove it, the market, the levels. */
export function templateReasoning(request: ExplainRequest, topSources: number): string {
  const { symbol, asOf, action, consensus, opinions, regime, levels } = request;
  const drivers = Object.entries(consensus.contributions)
    .sort(([, a], [, b]) => Math.abs(b) - Math.abs(a))
    .slice(0, topSources)
    .map(([source, share]) => {
      const opinion = opinions.find((o) => o.source === source)!.opinion;
      const features = Object.entries(opinion.features ?? {})
        .map(([name, value]) => `${name} ${fixed(value)}`)
        .join(', ');
      return `${source} ${opinion.direction} ${fixed(opinion.confidence, 0)}%${features ? ` (${features})` : ''}, ${share >= 0 ? '+' : ''}${fixed(share, 1)} pts`;
    });
  const risk = Math.abs(levels.entry - levels.stop);
  const reward = Math.abs(levels.target - levels.entry);
  return [
    `${action} ${symbol} as of ${asOf}: ${consensus.direction} consensus at ${fixed(consensus.confidence, 1)}% from ${opinions.length} source(s).`,
    `Driven by ${drivers.join('; ')}.`,
    `Regime ${regime}.`,
    `Entry ${fixed(levels.entry)}, stop ${fixed(levels.stop)}, target ${fixed(levels.target)} (reward/risk ${fixed(reward / risk, 1)}).`,
  ].join(' ');
}

/** Reasoning from a template over the contributions, the strongest indicators, the regime and the levels. */
export default defineExplainerPlugin<TemplateOptions>({
  name: 'template',
  version: '1.0.0',
  apiVersion: `^${PLUGIN_API_VERSION}`,
  description: 'Reasoning text from the contributions, indicator values, regime and levels; no I/O.',
  options: {
    topSources: { doc: 'How many of the strongest sources the text names.', format: 'nat', default: 3 },
  },
  create({ options }) {
    return { explain: (request) => templateReasoning(request, options.topSources) };
  },
});
