/** A sink that posts a readable message per signal to a chat's incoming webhook, whose URL (a secret) is read from a variable. */
import { PLUGIN_API_VERSION, defineSinkPlugin, type PluginDefinition } from '../../core/plugin-system/define-plugin';
import { chatText } from './chat-text';
import { JsonPoster, requiredEnv } from './http-post';

export interface ChatWebhook {
  readonly name: string;
  readonly description: string;
  /** The variable the URL is read from by default, and what the URL looks like. */
  readonly urlEnv: string;
  readonly urlShape: string;
  /** The request body of a message's text, in the chat's documented shape. */
  readonly body: (text: string) => unknown;
}

export function defineChatWebhook(chat: ChatWebhook): PluginDefinition<'sink', { urlEnv: string }> {
  return defineSinkPlugin<{ urlEnv: string }>({
    name: chat.name,
    version: '1.0.0',
    apiVersion: `^${PLUGIN_API_VERSION}`,
    description: chat.description,
    options: { urlEnv: { doc: `The variable holding the webhook URL (${chat.urlShape}).`, format: String, default: chat.urlEnv } },
    create({ options, env }) {
      const poster = new JsonPoster(requiredEnv(env, options.urlEnv, 'urlEnv', chat.name), chat.name);
      return {
        async deliver([message], signal) {
          await poster.post(JSON.stringify(chat.body(chatText(message))), {}, signal);
        },
        async close() {
          poster.close();
        },
      };
    },
  });
}
