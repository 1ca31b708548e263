/**
 * How many signature verifications each client may cost this node: a token bucket per client
 * (an API client's address, or a peer), refilled at `perSecond` up to `burst`. Forged
 * transactions cost their sender's budget, not everyone's block time. Bounded in clients: the
 * least recently seen is forgotten first (it comes back with a full bucket, which is no gain to
 * an attacker with fewer than `maxClients` addresses).
 */
export interface VerifyBudgetLimits {
  readonly perSecond: number;
  readonly burst: number;
  readonly maxClients: number;
}

interface Bucket {
  tokens: number;
  atMs: number;
}

export class VerifyBudget {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private limits: VerifyBudgetLimits,
    private readonly nowMs: () => number = () => performance.now(),
  ) {}

  /** New rates from a reloaded config; buckets keep what they hold, capped by the new burst. */
  setRate(perSecond: number, burst: number): void {
    this.limits = { ...this.limits, perSecond, burst };
  }

  /** Takes one verification from `client`'s budget; false when it has none left. */
  take(client: string): boolean {
    const now = this.nowMs();
    const bucket = this.buckets.get(client) ?? { tokens: this.limits.burst, atMs: now };
    this.buckets.delete(client); // re-inserted below: Map order is least recently seen first
    bucket.tokens = Math.min(
      this.limits.burst,
      bucket.tokens + ((now - bucket.atMs) * this.limits.perSecond) / 1000,
    );
    bucket.atMs = now;
    const granted = bucket.tokens >= 1;
    if (granted) bucket.tokens -= 1;
    this.buckets.set(client, bucket);
    if (this.buckets.size > this.limits.maxClients) {
      this.buckets.delete(this.buckets.keys().next().value as string);
    }
    return granted;
  }
}
