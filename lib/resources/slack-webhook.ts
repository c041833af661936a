/**
 * The Slack incoming webhook `SlackPost` posts to: config `SLACK_WEBHOOK_URL`, a secret (the URL
 * is the credential), checked before the run and never shown. Opening it only reads the URL;
 * nothing stays open. It has no local form: `bigrays run --local` refuses a task that needs it.
 */
import { envName, type ConfigValues } from '../config';
import { ConfigurationError } from '../errors';
import { Resource } from './resource';

/** The hosts a webhook URL may name with http:// (a stand-in on this machine): the URL is a secret. */
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Where a SlackPost posts. */
export interface SlackWebhook {
  readonly url: URL;
}

export class SlackWebhookResource extends Resource<SlackWebhook> {
  override requiredConfigs: readonly string[] = ['SLACK_WEBHOOK_URL'];

  /** An https URL (http only to this machine: a stand-in); the message names the env var, never the value. */
  override validateConfig(config: ConfigValues): void {
    const raw = config.SLACK_WEBHOOK_URL;
    let url: URL | undefined;
    try {
      url = typeof raw === 'string' ? new URL(raw) : undefined;
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      throw new ConfigurationError(
        `${envName('SLACK_WEBHOOK_URL')} must be the webhook's https:// URL, as Slack shows it for the incoming webhook (https://hooks.slack.com/services/…)`,
        { missing: [envName('SLACK_WEBHOOK_URL')] },
      );
    }
    if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname)) {
      throw new ConfigurationError(
        `${envName('SLACK_WEBHOOK_URL')} must be an https:// URL: the URL is the webhook's secret, and http:// would send it unencrypted ` +
          '(http:// is accepted only for this machine: localhost, 127.0.0.1, [::1])',
        { missing: [envName('SLACK_WEBHOOK_URL')] },
      );
    }
  }

  open(config: ConfigValues): SlackWebhook {
    return { url: new URL(String(config.SLACK_WEBHOOK_URL)) };
  }
}

/** The webhook resource SlackPost uses by default. */
export const slackWebhook = new SlackWebhookResource();
