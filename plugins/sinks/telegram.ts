/** `telegram`: a readable message per signal through the Bot API's sendMessage; the bot token is a secret: read it from `tokenEnv`. */
import { PLUGIN_API_VERSION, defineSinkPlugin } from '../../core/plugin-system/define-plugin';
import { ArgoError } from '../../core/errors/errors';
import { chatText } from './chat-text';
import { JsonPoster, requiredEnv } from './http-post';

interface TelegramOptions {
  tokenEnv: string;
  chatId: string;
  apiUrl: string;
}

export default defineSinkPlugin<TelegramOptions>({
  name: 'telegram',
  version: '1.0.0',
  apiVersion: `^${PLUGIN_API_VERSION}`,
  description: 'Sends each signal as a readable message to a Telegram chat through a bot.',
  options: {
    tokenEnv: { doc: 'The variable holding the bot token (from @BotFather).', format: String, default: 'ARGO_TELEGRAM_BOT_TOKEN' },
    chatId: { doc: 'The chat to send to: its numeric id or @channel name.', format: String, default: '' },
    apiUrl: { doc: 'The Bot API\'s address.', format: String, default: 'https://api.telegram.org' },
  },
  create({ options, env }) {
    const token = requiredEnv(env, options.tokenEnv, 'tokenEnv', 'telegram');
    if (options.chatId === '') throw new ArgoError('ARGO_ERR_PLUGIN_OPTIONS', 'sinks: telegram.chatId must name the chat to send to');
    const url = `${options.apiUrl.replace(/\/+$/, '')}/bot${token}/sendMessage`;
    const poster = new JsonPoster(url, 'telegram');
    return {
      async deliver([message], signal) {
        await poster.post(JSON.stringify({ chat_id: options.chatId, text: chatText(message), disable_web_page_preview: true }), {}, signal);
      },
      async close() {
        poster.close();
      },
    };
  },
});
