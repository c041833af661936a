/**
 * Fetches the values of config references: SSM `GetParameter` (decrypted) and Secrets Manager
 * `GetSecretValue`, each service's client made once (loaded only when a reference names it)
 * and destroyed by `close()`. A failure is a `ReferenceProblem` that says why and what to do,
 * and never holds the value.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { ConfigValues } from '../config';
import { secretsManagerSdk, ssmSdk } from '../lazy';
import { logger } from '../log';
import { describeSettings, explainTimeouts, requestHandlerOptions, type AwsClientSettings } from '../resources/aws';
import { fetchSettings, sourceOf } from './fetch-settings';
import { describeReference, type ConfigReference, type ReferenceService } from './reference';
import { explainFetchError, ReferenceProblem } from './reference-problem';

const log = logger('references');

type Client = SSMClient | SecretsManagerClient;

interface Service {
  settings: AwsClientSettings;
  client?: Client;
}

export class ReferenceFetcher {
  private readonly services = new Map<ReferenceService, Promise<Service>>();

  /** `config`: the job's configuration as written, checked by `checkFetchConfig`. */
  constructor(private readonly config: ConfigValues) {}

  /** Where `service`'s values come from, as the cache tells sources apart. */
  async source(service: ReferenceService): Promise<string> {
    return sourceOf(service, (await this.service(service)).settings);
  }

  /** The settings `service` is fetched with. */
  async settings(service: ReferenceService): Promise<AwsClientSettings> {
    return (await this.service(service)).settings;
  }

  /** The value `reference` names; rejects with a `ReferenceProblem`. */
  async fetch(reference: ConfigReference): Promise<string> {
    const service = await this.service(reference.service);
    const started = Date.now();
    let text: string;
    try {
      text = reference.service === 'ssm' ? await this.parameter(service, reference) : await this.secret(service, reference);
    } catch (error) {
      if (error instanceof ReferenceProblem) throw error;
      throw explainFetchError(error, reference, service.settings);
    }
    log('fetched %s (%s) in %d ms', reference.text, describeReference(reference), Date.now() - started);
    return reference.jsonKey === undefined ? text : keyOf(text, reference);
  }

  /** Destroys the clients made. */
  async close(): Promise<void> {
    for (const pending of this.services.values()) {
      const service = await pending.catch(() => undefined);
      service?.client?.destroy();
    }
  }

  private service(name: ReferenceService): Promise<Service> {
    let service = this.services.get(name);
    if (!service) {
      service = fetchSettings(this.config, name).then((settings) => ({ settings }));
      this.services.set(name, service);
    }
    return service;
  }

  private async parameter(service: Service, reference: ConfigReference): Promise<string> {
    const sdk = ssmSdk();
    const client = (service.client ??= this.client(service.settings, 'an SSM', (options) => new sdk.SSMClient(options))) as SSMClient;
    const answer = await client.send(new sdk.GetParameterCommand({ Name: reference.name, WithDecryption: true }));
    const value = answer.Parameter?.Value;
    if (typeof value !== 'string') throw new ReferenceProblem(`${describeReference(reference)} has no value`, 'give it one');
    return value;
  }

  private async secret(service: Service, reference: ConfigReference): Promise<string> {
    const sdk = secretsManagerSdk();
    const client = (service.client ??= this.client(service.settings, 'a Secrets Manager', (options) => new sdk.SecretsManagerClient(options))) as SecretsManagerClient;
    const answer = await client.send(new sdk.GetSecretValueCommand({ SecretId: reference.name }));
    if (typeof answer.SecretString === 'string') return answer.SecretString;
    throw new ReferenceProblem(
      `Secrets Manager secret ${reference.name} holds no text (it is binary)`,
      'store the value as the secret\'s text (SecretString)',
    );
  }

  private client<C extends Client>(settings: AwsClientSettings, what: string, make: (options: Record<string, unknown>) => C): C {
    log('opening %s client: %s', what, describeSettings(settings));
    const client = make({
      region: settings.region,
      credentials: settings.credentials,
      requestHandler: requestHandlerOptions(settings),
      ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
    });
    explainTimeouts(client as unknown as Parameters<typeof explainTimeouts>[0], settings);
    return client;
  }
}

/** The value of `reference.jsonKey` in a secret's text: a string, number or boolean, as text. */
function keyOf(text: string, reference: ConfigReference): string {
  const key = reference.jsonKey as string;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // The parser's message quotes the text: it is not repeated.
    parsed = undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ReferenceProblem(
      `Secrets Manager secret ${reference.name} is not a JSON object, so it has no key \`${key}\``,
      `store it as a JSON object, or write secretsmanager:${reference.name} (without #${key}) to take its whole text`,
    );
  }
  const value = (parsed as Record<string, unknown>)[key];
  if (!Object.prototype.hasOwnProperty.call(parsed, key) || value === null || value === undefined) {
    throw new ReferenceProblem(
      `Secrets Manager secret ${reference.name} holds no key \`${key}\``,
      `add it to the secret, or write one of its keys after # (it has ${Object.keys(parsed).map((k) => `\`${k}\``).join(', ') || 'none'})`,
    );
  }
  if (typeof value === 'object') {
    throw new ReferenceProblem(`key \`${key}\` of Secrets Manager secret ${reference.name} is not text, a number or a boolean`, 'store text there');
  }
  return String(value);
}
