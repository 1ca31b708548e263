/**
 * Reconnect delays: exponential from baseMs, capped at maxMs, with "equal jitter" (half the
 * delay fixed, half random) so that nodes restarted together do not redial in lockstep, yet
 * no delay collapses to zero. Math.random is fine here: this is the shell, not the core.
 */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 100, maxMs: 5_000 };

export function backoffDelayMs(
  attempt: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  // 2^30 already dwarfs any sane cap; clamping the exponent keeps the arithmetic finite.
  const exp = Math.min(Math.max(attempt, 0), 30);
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** exp);
  const half = ceiling / 2;
  return Math.round(half + random() * half);
}
