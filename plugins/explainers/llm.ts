import pLimit from 'p-limit';
import { setTimeout as sleep } from 'node:timers/promises';
import { ArgoError, messageOf } from '../../core/errors/errors';
import { PLUGIN_API_VERSION, defineExplainerPlugin } from '../../core/plugin-system/define-plugin';
import type { ExplainRequest } from '../../core/plugin-system/plugin-contracts';
import { SecretRedactor } from '../../core/util/secret-redactor';

interface LlmOptions {
  baseUrl: string;
  model: string;
  apiKeyEnv: string;
  timeoutMs: number;
  maxConcurrency: number;
  retries: number;
  retryBaseMs: number;
  temperature: number;
  maxTokens: number;
  systemPrompt: string;
}

/** An answer worth trying again: the network failed, the call timed out, or the server was overloaded or broken. */
class RetryableError extends Error {}

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
    'Explain in three sentences why this signal was given and what would invalidate it.',
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
    baseUrl: { doc: 'Base URL of the API, up to and without /chat/completions.', format: String, default: '' },
    model: { doc: 'Model name sent with each request.', format: String, default: '' },
    apiKeyEnv: { doc: 'Name of the environment variable holding the API key (none is sent when it is unset).', format: String, default: 'ARGO_LLM_API_KEY' },
    timeoutMs: { doc: 'Time allowed for one request.', format: 'nat', default: 20000 },
    maxConcurrency: { doc: 'Requests in flight at once.', format: 'nat', default: 4 },
    retries: { doc: 'Retries after a network error, a timeout, 429 or 5xx.', format: 'nat', default: 2 },
    retryBaseMs: { doc: 'First retry delay, doubled each time.', format: 'nat', default: 500 },
    temperature: { doc: 'Sampling temperature.', format: Number, default: 0.2 },
    maxTokens: { doc: 'Longest answer, in tokens.', format: 'nat', default: 300 },
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
    const url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
    // Reading the key through ctx.env registers it with the run's redactor, which keeps it out of
    // logs, output and stored texts; this explainer's own redactor also cleans its messages
    // before they are cut, so no truncated copy of the key survives either.
    const apiKey = env[options.apiKeyEnv]?.trim() || undefined;
    const secrets = new SecretRedactor();
    if (apiKey !== undefined) secrets.add(apiKey);
    const excerpt = (body: string) => secrets.redact(body).slice(0, 200);
    const limit = pLimit(Math.max(1, options.maxConcurrency));

    async function once(request: ExplainRequest): Promise<string> {
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
          body: JSON.stringify({
            model: options.model,
            messages: [
              { role: 'system', content: options.systemPrompt },
              { role: 'user', content: prompt(request) },
            ],
            temperature: options.temperature,
            max_tokens: options.maxTokens,
          }),
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch (error) {
        const timedOut = (error as Error).name === 'TimeoutError';
        throw new RetryableError(timedOut ? `no answer within ${options.timeoutMs} ms` : `request failed: ${secrets.redact(messageOf(error))}`);
      }
      const body = await response.text().catch(() => '');
      if (response.status === 429 || response.status >= 500) throw new RetryableError(`HTTP ${response.status}: ${excerpt(body)}`);
      if (!response.ok) throw new Error(`HTTP ${response.status}: ${excerpt(body)}`);
      let text: unknown;
      try {
        text = (JSON.parse(body) as { choices?: { message?: { content?: unknown } }[] }).choices?.[0]?.message?.content;
      } catch {
        text = undefined;
      }
      if (typeof text !== 'string' || text.trim() === '') throw new Error(`malformed answer (no choices[0].message.content): ${excerpt(body)}`);
      return text.trim();
    }

    return {
      explain: (request) =>
        limit(async () => {
          for (let attempt = 0; ; attempt++) {
            try {
              return await once(request);
            } catch (error) {
              if (!(error instanceof RetryableError) || attempt >= options.retries) {
                throw new Error(`llm explainer (${url}): ${messageOf(error)}`);
              }
              logger.warn({ attempt: attempt + 1, err: messageOf(error) }, 'llm request failed, retrying');
              await sleep(options.retryBaseMs * 2 ** attempt);
            }
          }
        }),
    };
  },
});
