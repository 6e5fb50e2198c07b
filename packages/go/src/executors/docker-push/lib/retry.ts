export interface RetryPolicy {
  /** Further attempts after the first. */
  retries: number;
  /** Milliseconds before the first retry; doubled for each further one. */
  delayMs: number;
}

/** Backoff before retry `attempt` (1-based): delay, 2×delay, 4×delay, … */
export function backoffMs(policy: RetryPolicy, attempt: number): number {
  return policy.delayMs * 2 ** (attempt - 1);
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `action`, retrying while `isRetryable` says the failure is worth another try (network errors,
 * 5xx) and attempts remain. Anything else (401/403, a bad manifest) fails at once.
 */
export async function withRetries<T>(
  action: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  isRetryable: (err: unknown) => boolean,
  onRetry: (err: unknown, attempt: number, delayMs: number) => void = () => undefined,
  sleep: (ms: number) => Promise<void> = wait,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await action(attempt);
    } catch (err) {
      if (attempt >= policy.retries || !isRetryable(err)) throw err;
      const delay = backoffMs(policy, attempt + 1);
      onRetry(err, attempt + 1, delay);
      await sleep(delay);
    }
  }
}
