import { quantile } from "../measure.js";

/** The times the load generator kept of each transaction (performance.now() milliseconds). */
export interface TxTimes {
  /** When the workload offered it (open-loop arrival). */
  readonly offeredAt: ReadonlyMap<string, number>;
  /** When it was first sent to a node. */
  readonly firstSubmittedAt: ReadonlyMap<string, number>;
  /** When the try a node admitted was sent. */
  readonly acceptedAt: ReadonlyMap<string, number>;
  /** Each sender's transactions in offer order (its nonce order). */
  readonly bySender: ReadonlyMap<string, readonly string[]>;
  readonly committedAt: ReadonlyMap<string, number>;
}

/** Where a committed transaction's time went, in milliseconds, and its latency counted three ways. */
export interface TxLatency {
  /** Offered until first sent: held behind its sender's in-flight cap, or behind refused ones. */
  readonly client: number;
  /** First sent until the try a node admitted: refusals and the client's backoff. */
  readonly retries: number;
  /** Admitted while an earlier nonce of its sender was not yet: queued behind that gap. */
  readonly gap: number;
  /** From when it could run (admitted, every earlier nonce admitted) to commit: pool, proposal, votes, commit. */
  readonly chain: number;
  readonly fromOffer: number;
  readonly fromFirstTry: number;
  readonly fromAdmission: number;
}

export interface LatencySummary {
  readonly count: number;
  /** Mean of each part (they add up to the mean latency from the offer). */
  readonly meanMs: { client: number; retries: number; gap: number; chain: number };
  readonly p50Ms: { fromOffer: number; fromFirstTry: number; fromAdmission: number };
  readonly p99Ms: { fromOffer: number; fromFirstTry: number; fromAdmission: number; chain: number };
}

/**
 * For each transaction, when the latest earlier transaction of its sender was admitted: until
 * then the node holds it queued behind a nonce gap (it cannot be reaped before its predecessor).
 */
function predecessorsAdmitted(times: TxTimes): Map<string, number> {
  const out = new Map<string, number>();
  for (const hashes of times.bySender.values()) {
    let latest = Number.NEGATIVE_INFINITY;
    for (const hash of hashes) {
      out.set(hash, latest);
      const admitted = times.acceptedAt.get(hash);
      if (admitted !== undefined && admitted > latest) latest = admitted;
    }
  }
  return out;
}

/** Splits the latency of each committed transaction of `hashes`, by hash. */
export function latencies(times: TxTimes, hashes: readonly string[]): Map<string, TxLatency> {
  const before = predecessorsAdmitted(times);
  const out = new Map<string, TxLatency>();
  for (const hash of hashes) {
    const committed = times.committedAt.get(hash);
    const first = times.firstSubmittedAt.get(hash);
    if (committed === undefined || first === undefined) continue;
    const offered = Math.min(first, times.offeredAt.get(hash) ?? first);
    const admitted = times.acceptedAt.get(hash) ?? first;
    const runnable = Math.max(admitted, before.get(hash) ?? admitted);
    out.set(hash, {
      client: first - offered,
      retries: admitted - first,
      gap: runnable - admitted,
      chain: committed - runnable,
      fromOffer: committed - offered,
      fromFirstTry: committed - first,
      fromAdmission: committed - admitted,
    });
  }
  return out;
}

export function summarise(parts: readonly TxLatency[]): LatencySummary {
  const mean = (f: (t: TxLatency) => number) =>
    parts.length === 0 ? Number.NaN : parts.reduce((a, t) => a + f(t), 0) / parts.length;
  const q = (f: (t: TxLatency) => number, p: number) => quantile(parts.map(f), p);
  return {
    count: parts.length,
    meanMs: {
      client: mean((t) => t.client),
      retries: mean((t) => t.retries),
      gap: mean((t) => t.gap),
      chain: mean((t) => t.chain),
    },
    p50Ms: {
      fromOffer: q((t) => t.fromOffer, 0.5),
      fromFirstTry: q((t) => t.fromFirstTry, 0.5),
      fromAdmission: q((t) => t.fromAdmission, 0.5),
    },
    p99Ms: {
      fromOffer: q((t) => t.fromOffer, 0.99),
      fromFirstTry: q((t) => t.fromFirstTry, 0.99),
      fromAdmission: q((t) => t.fromAdmission, 0.99),
      chain: q((t) => t.chain, 0.99),
    },
  };
}
