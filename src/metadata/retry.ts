// Bounded retries with exponential backoff and full jitter: many instances hitting a throttled
// metadata service must not retry in lockstep. Every sleep is cut short by the caller's deadline.

import { MetadataError } from './errors.js';

export interface BackoffPolicy {
  /** Retries after the first attempt (0 = try once). */
  retries: number;
  baseMs: number;
  maxMs: number;
  /** Source of randomness in [0, 1); injectable so tests can pin the jitter. */
  random: () => number;
}

/** Full jitter: uniform in [0, min(max, base·2^attempt)). `attempt` counts from 0. */
export function backoffDelay(policy: BackoffPolicy, attempt: number): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** attempt);
  return Math.floor(policy.random() * ceiling);
}

/** The longest total time backoffs can add to one request: used to size the overall deadline. */
export function maxTotalBackoff(policy: BackoffPolicy): number {
  let total = 0;
  for (let attempt = 0; attempt < policy.retries; attempt++) total += Math.min(policy.maxMs, policy.baseMs * 2 ** attempt);
  return total;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const abortError = (): unknown =>
      signal?.reason instanceof MetadataError ? signal.reason : new MetadataError('timeout', 'metadata backoff aborted');
    if (signal?.aborted) {
      reject(abortError());
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Run `attempt` until it succeeds, throws a non-retryable error, or the retries are spent.
 * `onRetry` sees each retryable failure (for debug logging).
 */
export async function withRetries<T>(
  policy: BackoffPolicy,
  attempt: () => Promise<T>,
  signal?: AbortSignal,
  onRetry?: (error: MetadataError, attemptNo: number, delayMs: number) => void,
): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof MetadataError) || !error.retryable || n >= policy.retries || signal?.aborted) throw error;
      const delay = backoffDelay(policy, n);
      onRetry?.(error, n + 1, delay);
      await sleep(delay, signal);
    }
  }
}
