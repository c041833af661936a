/**
 * Reading AWS SDK errors: their code and HTTP status, and a one-line description for messages.
 */
import { envName } from '../config';
import { isThrottling, isTransient } from '../retry';

interface SdkErrorShape {
  name?: string;
  Code?: string;
  message?: string;
  /** S3 names the bucket in some error answers (`<BucketName>`). */
  BucketName?: string;
  $metadata?: { httpStatusCode?: number };
}

/** S3's naming rules for buckets, as messages state them. */
export const BUCKET_NAME_RULES =
  'S3 bucket names are 3 to 63 characters of lowercase letters, digits, dots and hyphens, ' +
  'start and end with a letter or digit, and are not IP addresses';

/** Why `name` is not a valid S3 bucket name (general purpose buckets); undefined when it is one. */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return `it is ${name.length} characters long`;
  const odd = [...new Set(name.replace(/[a-z0-9.-]/g, ''))];
  if (odd.length > 0) {
    const upper = odd.some((c) => /[A-Z]/.test(c));
    const shown = [
      ...(upper ? ['uppercase letters'] : []),
      ...odd.filter((c) => !/[A-Z]/.test(c)).map((c) => (c === ' ' ? 'a space' : `\`${c}\``)),
    ].join(', ');
    return `it holds ${shown}${odd.includes('/') ? ' (a bucket name has no `/`: what follows it belongs in the key or prefix)' : ''}`;
  }
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return 'it does not start and end with a letter or digit';
  if (name.includes('..')) return 'it holds two dots in a row';
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return 'it is an IP address';
  if (/^(xn--|sthree-|amzn-s3-demo-)/.test(name)) return 'it starts with a prefix S3 reserves';
  if (/(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(name)) return 'it ends with a suffix S3 reserves';
  return undefined;
}

/** The bucket an InvalidBucketName error is about: named by S3's answer or in the SDK's message. */
function invalidBucket(error: SdkErrorShape, bucket: string | undefined): string | undefined {
  return bucket ?? error.BucketName ?? /received '([^']*)'/.exec(error.message ?? '')?.[1];
}

/**
 * `bucket name \`a/b\` is invalid: it holds \`/\` …` for an InvalidBucketName error (the SDK
 * refuses some names before sending; S3 answers 400 for others); undefined for other errors.
 */
export function invalidBucketName(error: unknown, bucket?: string): string | undefined {
  if (awsErrorCode(error) !== 'InvalidBucketName') return undefined;
  const name = invalidBucket(error as SdkErrorShape, bucket);
  if (name === undefined) return `the bucket name is invalid. ${BUCKET_NAME_RULES}`;
  const why = bucketNameProblem(name);
  return `bucket name \`${name}\` is invalid${why ? `: ${why}` : ''}. ${BUCKET_NAME_RULES}`;
}

/** The error code AWS answered with (`NoSuchKey`, `NotFound`, `AccessDenied`, …), if any. */
export function awsErrorCode(error: unknown): string | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  const shape = error as SdkErrorShape;
  return shape.Code ?? (shape.name && shape.name !== 'Error' ? shape.name : undefined);
}

/** The HTTP status of the failed request, if the error came from one. */
export function httpStatus(error: unknown): number | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  return (error as SdkErrorShape).$metadata?.httpStatusCode;
}

/** Whether AWS said the thing does not exist (404). */
export function isNotFound(error: unknown): boolean {
  const code = awsErrorCode(error);
  return code === 'NotFound' || code === 'NoSuchKey' || httpStatus(error) === 404;
}

/**
 * `Code: message (HTTP status)`, as much of it as the error has; for an invalid bucket name,
 * which name and which rule it breaks, since neither S3 nor the SDK says it plainly.
 */
export function describeAwsError(error: unknown, bucket?: string): string {
  if (!(error instanceof Error)) return String(error);
  const invalid = invalidBucketName(error, bucket);
  if (invalid !== undefined) return invalid;
  const code = awsErrorCode(error);
  const status = httpStatus(error);
  const parts: string[] = [];
  // An answer without a body (HEAD) has no code: the SDK calls it Unknown.
  if (code !== undefined && code !== 'Unknown') parts.push(code);
  if (error.message && error.message !== code && error.message !== 'UnknownError') parts.push(error.message);
  if (parts.length === 0 && status !== undefined) return `HTTP ${status}`;
  const text = parts.join(': ') || 'unknown error';
  return status === undefined ? text : `${text} (HTTP ${status})`;
}

/** Whether the error is the SDK's timeout (a connection not made, or a request idle too long). */
function isTimeout(error: unknown): boolean {
  return (error as SdkErrorShape | null)?.name === 'TimeoutError';
}

/**
 * Why a check the task needs before writing (HeadObject) got no answer it can use, and what to
 * do: throttled or failing store (retry), timeout (the env var that bounds it), unreachable
 * store, or — for a refusal — the permissions the check needs. `checked` names the question,
 * as in `cannot tell whether s3://b/k exists`; `skip` how to do without the check.
 */
export function checkFailure(checked: string, error: unknown, permissions: string, skip: string): string {
  const status = httpStatus(error);
  const answer = describeAwsError(error);
  if (isThrottling(error) || status === 503) {
    return `${checked}: the store throttled the check (${answer}); it can be retried: set retries on the task, or run it again later, or ${skip}.`;
  }
  if (isTimeout(error)) {
    const which = /connect/.test((error as Error).message) ? 'AWS_CONNECT_TIMEOUT_MS' : 'AWS_REQUEST_TIMEOUT_MS';
    return `${checked}: the check timed out: ${(error as Error).message}. Retry, or raise ${envName(which)} if the store is slow, or ${skip}.`;
  }
  if (status === undefined && isTransient(error)) {
    return `${checked}: the store could not be reached (${answer}); check ${envName('AWS_ENDPOINT_URL')} and the network, then retry, or ${skip}.`;
  }
  if (status !== undefined && status >= 500) {
    return `${checked}: the store failed to answer the check (${answer}); it can be retried, or ${skip}.`;
  }
  return `${checked} (${answer}). ${permissions}, or ${skip}.`;
}
