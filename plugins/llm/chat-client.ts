/**
 * The client of an OpenAI-compatible chat-completions endpoint, shared by the `llm` explainer
 * and the `llm-opinion` source: bounded concurrency, a timeout per request, retries with
 * backoff after a network error, a timeout, 429 or 5xx, and the API key (read through the
 * plugin context's `env`, so the run's redactor knows it) redacted from every message before it
 * is cut, so no truncated copy of it survives.
 */
import pLimit from 'p-limit';
import { setTimeout as sleep } from 'node:timers/promises';
import { ArgoError, messageOf } from '../../core/errors/errors';
import { cappedText } from '../../core/util/capped-body';
import type { Logger } from '../../core/util/logger';
import { SecretRedactor } from '../../core/util/secret-redactor';

export interface ChatOptions {
  baseUrl: string;
  model: string;
  apiKeyEnv: string;
  timeoutMs: number;
  maxConcurrency: number;
  retries: number;
  retryBaseMs: number;
  temperature: number;
  maxTokens: number;
  maxBodyBytes: number;
}

/** The option schema of the client, for the plugins that use it. */
export const CHAT_OPTIONS = {
  baseUrl: { doc: 'Base URL of the API, up to and without /chat/completions.', format: String, default: '' },
  model: { doc: 'Model name sent with each request.', format: String, default: '' },
  apiKeyEnv: { doc: 'Name of the environment variable holding the API key (none is sent when it is unset).', format: String, default: 'ARGO_LLM_API_KEY' },
  timeoutMs: { doc: 'Time allowed for one request.', format: 'nat', default: 20000 },
  maxConcurrency: { doc: 'Requests in flight at once.', format: 'nat', default: 4 },
  retries: { doc: 'Retries after a network error, a timeout, 429 or 5xx.', format: 'nat', default: 2 },
  retryBaseMs: { doc: 'First retry delay, doubled each time.', format: 'nat', default: 500 },
  temperature: { doc: 'Sampling temperature.', format: Number, default: 0.2 },
  maxTokens: { doc: 'Longest answer, in tokens.', format: 'nat', default: 300 },
  maxBodyBytes: { doc: 'Largest answer read, in bytes; a larger one fails (ARGO_ERR_BODY_TOO_LARGE, not retried) before it fills the memory.', format: 'nat', default: 4 * 1024 * 1024 },
} as const;

/** One message of a conversation. */
export interface ChatMessage {
  readonly role: 'system' | 'user';
  readonly content: string;
}

/** What the model answered: its text, or its refusal. */
export interface ChatAnswer {
  readonly content: string | null;
  readonly refusal: string | null;
}

/** The server answered with an error status that another try will not change (4xx other than 429). */
export class ChatRefused extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(message);
  }
}

/** An answer worth trying again: the network failed, the call timed out, or the server was overloaded or broken. */
class RetryableError extends Error {}

export interface ChatClient {
  readonly url: string;
  /** True when `text` holds the API key, whole or a run of eight or more of its characters (a model echoing it). */
  reveals(text: string): boolean;
  /** Sends `messages` (with `extra` request fields, e.g. `response_format`) and returns the first choice. */
  complete(messages: readonly ChatMessage[], extra?: Record<string, unknown>): Promise<ChatAnswer>;
}

export function chatClient(options: ChatOptions, env: Readonly<Record<string, string | undefined>>, logger: Logger): ChatClient {
  const url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  const apiKey = env[options.apiKeyEnv]?.trim() || undefined;
  const secrets = new SecretRedactor();
  if (apiKey !== undefined) secrets.add(apiKey);
  const excerpt = (body: string) => secrets.redact(body).slice(0, 200);
  const limit = pLimit(Math.max(1, options.maxConcurrency));

  async function once(messages: readonly ChatMessage[], extra: Record<string, unknown>): Promise<ChatAnswer> {
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
        body: JSON.stringify({ model: options.model, messages, temperature: options.temperature, max_tokens: options.maxTokens, ...extra }),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError';
      throw new RetryableError(timedOut ? `no answer within ${options.timeoutMs} ms` : `request failed: ${secrets.redact(messageOf(error))}`);
    }
    const body = await cappedText(response, options.maxBodyBytes, url, 'options.maxBodyBytes').catch((error: unknown) => {
      if (error instanceof ArgoError) throw error;
      return '';
    });
    if (response.status === 429 || response.status >= 500) throw new RetryableError(`HTTP ${response.status}: ${excerpt(body)}`);
    if (!response.ok) throw new ChatRefused(`HTTP ${response.status}: ${excerpt(body)}`, response.status, excerpt(body));
    let message: { content?: unknown; refusal?: unknown } | undefined;
    try {
      message = (JSON.parse(body) as { choices?: { message?: { content?: unknown; refusal?: unknown } }[] }).choices?.[0]?.message;
    } catch {
      message = undefined;
    }
    const content = typeof message?.content === 'string' ? message.content : null;
    const refusal = typeof message?.refusal === 'string' && message.refusal !== '' ? message.refusal : null;
    if (content === null && refusal === null) throw new Error(`malformed answer (no choices[0].message.content): ${excerpt(body)}`);
    return { content, refusal };
  }

  return {
    url,
    reveals: (text) => secrets.reveals(text),
    complete: (messages, extra = {}) =>
      limit(async () => {
        for (let attempt = 0; ; attempt++) {
          try {
            return await once(messages, extra);
          } catch (error) {
            if (!(error instanceof RetryableError) || attempt >= options.retries) throw error;
            logger.warn({ attempt: attempt + 1, err: messageOf(error) }, 'chat-completions request failed, retrying');
            await sleep(options.retryBaseMs * 2 ** attempt);
          }
        }
      }),
  };
}
