// Typed metadata failures. A failure must never look like an empty answer: callers that see a
// MetadataError keep what they have (and may fall back to the last-known-good cache).

export type MetadataErrorKind =
  /** A request (or the whole snapshot) ran out of time. */
  | 'timeout'
  /** An HTTP status the client cannot use (4xx other than 401/403/404/429, 5xx after retries). */
  | 'http'
  /** 429 after every retry. */
  | 'throttled'
  /** No usable token when one is needed, or the service kept refusing the token. */
  | 'token'
  /** The answer is not what the metadata service sends (bad UTF-8, invalid primary MAC, …). */
  | 'garbage'
  /** The body is larger than `maxResponseBytes`. */
  | 'too-large'
  /** Connection refused, reset, no route. */
  | 'unreachable';

export interface MetadataErrorDetails {
  /** HTTP status, when the error is an HTTP answer. */
  status?: number;
  /** The request path (never a token or a header). */
  path?: string;
  cause?: unknown;
}

export class MetadataError extends Error {
  readonly kind: MetadataErrorKind;
  readonly status?: number;
  readonly path?: string;

  constructor(kind: MetadataErrorKind, message: string, details: MetadataErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'MetadataError';
    this.kind = kind;
    if (details.status !== undefined) this.status = details.status;
    if (details.path !== undefined) this.path = details.path;
  }

  /** Worth another attempt after a backoff: the service may heal. */
  get retryable(): boolean {
    return (
      this.kind === 'timeout' ||
      this.kind === 'throttled' ||
      this.kind === 'unreachable' ||
      (this.kind === 'http' && this.status !== undefined && this.status >= 500)
    );
  }
}

export function isMetadataError(error: unknown): error is MetadataError {
  return error instanceof MetadataError;
}
