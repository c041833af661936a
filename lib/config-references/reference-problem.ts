/**
 * Why a config reference could not be fetched, in words a message can use: what went wrong
 * (a missing parameter or secret, credentials that may not read it, an endpoint out of reach)
 * and what to do. Never the value.
 */
import { envName } from '../config';
import { awsErrorCode, describeAwsError, httpStatus } from '../resources/aws-errors';
import type { AwsClientSettings } from '../resources/aws';
import { ENDPOINT_KEYS, describeSource } from './fetch-settings';
import { describeReference, type ConfigReference } from './reference';

/** A reference that could not be fetched: `why` it failed, and the `fix`. */
export class ReferenceProblem extends Error {
  constructor(readonly why: string, readonly fix: string) {
    super(`${why}: ${fix}`);
    this.name = 'ReferenceProblem';
  }
}

/** What AWS answers when the parameter or secret does not exist. */
const NOT_FOUND = new Set(['ParameterNotFound', 'ParameterVersionNotFound', 'ResourceNotFoundException']);

/** What AWS answers when the credentials may not read it (or decrypt it). */
const DENIED = new Set([
  'AccessDeniedException', 'AccessDenied', 'UnrecognizedClientException', 'InvalidSignatureException', 'SignatureDoesNotMatch',
  'ExpiredTokenException', 'InvalidClientTokenId', 'DecryptionFailure', 'KMSAccessDeniedException',
]);

/** The permission that reads a reference. */
function permission(reference: ConfigReference): string {
  return reference.service === 'ssm' ? 'ssm:GetParameter (and kms:Decrypt for a SecureString)' : 'secretsmanager:GetSecretValue (and kms:Decrypt)';
}

/** Whether the request got no answer: refused, unresolved or timed-out connections. */
function unanswered(error: unknown): boolean {
  return httpStatus(error) === undefined;
}

/** The `ReferenceProblem` for an error the SDK threw fetching `reference` with `settings`. */
export function explainFetchError(error: unknown, reference: ConfigReference, settings: AwsClientSettings): ReferenceProblem {
  const code = awsErrorCode(error);
  const answer = describeAwsError(error);
  const where = describeSource(settings);
  const endpointEnv = envName(ENDPOINT_KEYS[reference.service]);
  if (code !== undefined && NOT_FOUND.has(code)) {
    return new ReferenceProblem(`${describeReference(reference)} does not exist (${code}; ${where})`, `create it, or correct the reference (or ${envName('AWS_REGION')}, if it is kept in another region)`);
  }
  if (code === 'CredentialsProviderError') {
    return new ReferenceProblem(
      `no AWS credentials were found to fetch ${describeReference(reference)} (the default credential chain found none)`,
      `set ${envName('AWS_ACCESS_KEY_ID')} and ${envName('AWS_SECRET_ACCESS_KEY')}, or run with a role or profile that may read it`,
    );
  }
  if ((code !== undefined && DENIED.has(code)) || httpStatus(error) === 403) {
    const who = settings.credentials === undefined ? 'the default credential chain' : `access key ${settings.credentials.accessKeyId}`;
    return new ReferenceProblem(
      `the credentials (${who}) may not read ${describeReference(reference)} (${answer}; ${where})`,
      `allow ${permission(reference)} on it, or set ${envName('AWS_ACCESS_KEY_ID')} and ${envName('AWS_SECRET_ACCESS_KEY')} to credentials that may`,
    );
  }
  if (unanswered(error)) {
    return new ReferenceProblem(
      `${settings.endpoint ?? `AWS (${where})`} could not be reached to fetch ${describeReference(reference)} (${answer})`,
      `check ${endpointEnv} (else ${envName('AWS_ENDPOINT_URL')}), ${envName('AWS_REGION')} and the network, then run again`,
    );
  }
  return new ReferenceProblem(`fetching ${describeReference(reference)} failed (${answer}; ${where})`, 'run again; if it fails again, check the service\'s status and the name');
}
