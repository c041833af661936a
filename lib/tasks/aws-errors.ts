/**
 * Reading AWS SDK errors: their code and HTTP status, and a one-line description for messages.
 */

interface SdkErrorShape {
  name?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
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

/** `Code: message (HTTP status)`, as much of it as the error has. */
export function describeAwsError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = awsErrorCode(error);
  const status = httpStatus(error);
  const parts: string[] = [];
  if (code !== undefined) parts.push(code);
  if (error.message && error.message !== code && error.message !== 'UnknownError') parts.push(error.message);
  const text = parts.join(': ') || 'unknown error';
  return status === undefined ? text : `${text} (HTTP ${status})`;
}
