/** `discord`: a readable message per signal to a Discord channel webhook (`{ "content": … }`, at most 2,000 characters). */
import { defineChatWebhook } from './chat-webhook';

/** Discord refuses longer contents. */
const MAX_CONTENT = 2000;

export default defineChatWebhook({
  name: 'discord',
  description: 'Posts each signal as a readable message to a Discord channel webhook.',
  urlEnv: 'ARGO_DISCORD_WEBHOOK_URL',
  urlShape: 'https://discord.com/api/webhooks/…',
  body: (text) => ({ content: text.length <= MAX_CONTENT ? text : `${text.slice(0, MAX_CONTENT - 1)}…` }),
});
