/** Knative's delivery rules: which answers are worth another try, and how long to wait. */

/** 5xx, 404, 408, 409 and 429 are retried (as Knative's KafkaSource does); other 4xx are final. */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 404 || status === 408 || status === 409 || status === 429;
}

export type BackoffPolicy = 'exponential' | 'linear';

export interface RetryPolicy {
  /** Tries after the first one. */
  retries: number;
  /** Base delay: attempt n waits backoffMs·2^(n-1) (exponential) or backoffMs·n (linear). */
  backoffMs: number;
  policy: BackoffPolicy;
}

export function backoffDelay(retry: RetryPolicy, attempt: number): number {
  return retry.policy === 'linear' ? retry.backoffMs * attempt : retry.backoffMs * 2 ** (attempt - 1);
}
