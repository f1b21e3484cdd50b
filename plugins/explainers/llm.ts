import { ArgoError, messageOf } from '../../core/errors/errors';
import { PLUGIN_API_VERSION, defineExplainerPlugin } from '../../core/plugin-system/define-plugin';
import type { ExplainRequest } from '../../core/plugin-system/plugin-contracts';
import { CHAT_OPTIONS, chatClient, type ChatOptions } from '../llm/chat-client';

interface LlmOptions extends ChatOptions {
  systemPrompt: string;
}

function prompt(request: ExplainRequest): string {
  const opinions = request.opinions
    .map(({ source, weight, opinion }) => {
      const features = Object.entries(opinion.features ?? {})
        .map(([name, value]) => `${name}=${value.toFixed(3)}`)
        .join(', ');
      return `- ${source} (weight ${weight}): ${opinion.direction} ${opinion.confidence.toFixed(0)}%${features ? ` [${features}]` : ''}`;
    })
    .join('\n');
  const { entry, stop, target } = request.levels;
  return [
    `Signal: ${request.action} ${request.symbol} as of ${request.asOf}.`,
    `Consensus: ${request.consensus.direction} at ${request.consensus.confidence.toFixed(1)}%. Regime: ${request.regime}.`,
    `Entry ${entry.toFixed(2)}, stop ${stop.toFixed(2)}, target ${target.toFixed(2)}.`,
    'Source opinions:',
    opinions,
    'Explain in three sentences why this signal was given and what would invalidate it. Quote numbers exactly as written above.',
  ].join('\n');
}

/**
 * Reasoning from any OpenAI-compatible chat-completions endpoint. The API key is read from
 * the environment variable named by `apiKeyEnv`, sent only in the Authorization header, and
 * redacted in every form from every error message; an answer that echoes it is refused by the
 * core (the fallback text is stored).
 */
export default defineExplainerPlugin<LlmOptions>({
  name: 'llm',
  version: '1.0.0',
  apiVersion: `^${PLUGIN_API_VERSION}`,
  description: 'An OpenAI-compatible chat-completions endpoint writes the reasoning; timeouts, retries with backoff, bounded concurrency.',
  options: {
    ...CHAT_OPTIONS,
    systemPrompt: {
      doc: 'System message of every request.',
      format: String,
      default: 'You explain trading signals to a portfolio manager: plainly, factually, without advice or hype.',
    },
  },
  create({ options, env, logger }) {
    if (options.baseUrl === '' || options.model === '') {
      throw new ArgoError('ARGO_ERR_PLUGIN_OPTIONS', 'reasoning.options: the llm explainer needs baseUrl and model');
    }
    // Reading the key through ctx.env (in the client) registers it with the run's redactor, which
    // keeps it out of logs, output and stored texts.
    const client = chatClient(options, env, logger);
    return {
      async explain(request) {
        try {
          const { content } = await client.complete([
            { role: 'system', content: options.systemPrompt },
            { role: 'user', content: prompt(request) },
          ]);
          if (content === null || content.trim() === '') throw new Error('malformed answer (no choices[0].message.content)');
          return content.trim();
        } catch (error) {
          throw new Error(`llm explainer (${client.url}): ${messageOf(error)}`);
        }
      },
    };
  },
});
