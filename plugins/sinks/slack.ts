/** `slack`: a readable message per signal to a Slack incoming webhook (`{ "text": … }`). */
import { defineChatWebhook } from './chat-webhook';

export default defineChatWebhook({
  name: 'slack',
  description: 'Posts each signal as a readable message to a Slack incoming webhook.',
  urlEnv: 'ARGO_SLACK_WEBHOOK_URL',
  urlShape: 'https://hooks.slack.com/services/…',
  body: (text) => ({ text }),
});
