import { LedgerError } from "../errors.js";

/** What the mempool needs to know of a transaction that already passed decoding and signature checks. */
export interface PoolTx {
  readonly hashHex: string;
  readonly senderHex: string;
  readonly nonce: bigint;
  readonly expiryHeight: bigint;
  readonly bytes: Uint8Array;
  /** A client of this node gave it (not a peer's relay): counted against this node's share. */
  readonly local?: boolean;
  /** When this node admitted it, on the node's clock (admission's figure, never consensus). */
  readonly admittedAtMs?: number;
}

/** What the commits since the last takeCommitted() removed from the pool as included. */
export interface CommittedFromPool {
  readonly txs: number;
  readonly local: number;
  /** The earliest admission time among them, if any carried one. */
  readonly earliestAdmittedAtMs: number | undefined;
}

export interface MempoolLimits {
  /** Most transactions held at once. */
  readonly maxTxs: number;
  /** Most bytes held at once. */
  readonly maxBytes: number;
  /** How far ahead of a sender's next nonce a transaction may be queued. */
  readonly nonceWindow: number;
  /** Most transactions one sender may have pending (default: the nonce window). */
  readonly maxTxsPerSender?: number | undefined;
  /**
   * Most transactions held that wait for an earlier nonce of their sender (default: a quarter of
   * maxTxs), so that gapped transactions can never fill the pool against runnable ones.
   */
  readonly maxQueuedTxs?: number | undefined;
}

/** A sender's runnable run: the nonces from its committed next nonce `from` up to `to` (exclusive). */
interface Run {
  from: bigint;
  to: bigint;
}

export class MempoolError extends LedgerError {}

/**
 * A MempoolError without a stack trace: a refusal is an answer to a client (its code says all),
 * and an overloaded node gives hundreds of thousands; capturing each one's stack was 2 % of a
 * saturated node's time in its profile.
 */
export function refusal(code: string, message: string, details: Record<string, unknown>): MempoolError {
  const depth = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new MempoolError(code, message, details);
  } finally {
    Error.stackTraceLimit = depth;
  }
}

/**
 * Pending transactions, per sender in nonce order. Bounded in count and bytes; a full pool
 * rejects with MEMPOOL_FULL rather than evicting, so a client always learns its fate.
 *
 * A transaction is runnable when every earlier nonce of its sender is committed or pending
 * here, and queued when it waits for a missing one (refused at this node a moment ago, or not
 * yet relayed). The caller's lower bound (the commit pace) counts runnable transactions only
 * for a transaction that would be runnable: queued ones cannot be reaped, so counting them would
 * refuse the very transactions that drain the pool. A transaction that would itself be queued
 * counts them all: the gap's filler turns them runnable at once. The filler is bound only by
 * the pool's own limits, or what it unblocks would wait until it expires. Queued ones also have
 * their own bound. A caller may also bound the transactions its own clients gave it (`local`:
 * this node's share of the network's pace, see commit-pace.ts), which relays do not count against.
 */
export class Mempool {
  private readonly bySender = new Map<string, Map<bigint, PoolTx>>();
  private readonly byHash = new Map<string, PoolTx>();
  private readonly runs = new Map<string, Run>();
  /**
   * Per sender, at most the earliest expiry height among its transactions (removals leave it
   * low, which costs only a needless scan), so a commit looks for expired ones only where some
   * may be.
   */
  private readonly earliestExpiry = new Map<string, bigint>();
  private runnableCount = 0;
  private localCount = 0;
  private bytesHeld = 0;
  private committedSince: { txs: number; local: number; earliestAdmittedAtMs: number | undefined } = {
    txs: 0,
    local: 0,
    earliestAdmittedAtMs: undefined,
  };
  private readonly maxQueued: number;

  constructor(private readonly limits: MempoolLimits) {
    this.maxQueued = limits.maxQueuedTxs ?? Math.max(1, Math.floor(limits.maxTxs / 4));
  }

  get size(): number {
    return this.byHash.size;
  }

  /** Transactions whose sender has every earlier nonce committed or pending. */
  get runnable(): number {
    return this.runnableCount;
  }

  /** Transactions waiting for an earlier nonce of their sender. */
  get queued(): number {
    return this.byHash.size - this.runnableCount;
  }

  get bytes(): number {
    return this.bytesHeld;
  }

  /** Transactions held that this node's own clients gave it. */
  get local(): number {
    return this.localCount;
  }

  /** What commits removed as included since the last call (see CommitPace). */
  takeCommitted(): CommittedFromPool {
    const taken = this.committedSince;
    this.committedSince = { txs: 0, local: 0, earliestAdmittedAtMs: undefined };
    return taken;
  }

  has(hashHex: string): boolean {
    return this.byHash.has(hashHex);
  }

  /** The pending transaction of this hash, if the pool holds it. */
  get(hashHex: string): PoolTx | undefined {
    return this.byHash.get(hashHex);
  }

  /**
   * Admits a transaction. `accountNonce` is the sender's next nonce in committed state and
   * `nextHeight` the height the transaction could first be included at.
   */
  add(tx: PoolTx, accountNonce: bigint, nextHeight: bigint): void {
    this.check(tx, accountNonce, nextHeight);
    let queue = this.bySender.get(tx.senderHex);
    if (queue === undefined) {
      queue = new Map();
      this.bySender.set(tx.senderHex, queue);
    }
    queue.set(tx.nonce, tx);
    this.byHash.set(tx.hashHex, tx);
    this.bytesHeld += tx.bytes.length;
    if (tx.local) this.localCount++;
    const earliest = this.earliestExpiry.get(tx.senderHex);
    if (earliest === undefined || tx.expiryHeight < earliest)
      this.earliestExpiry.set(tx.senderHex, tx.expiryHeight);
    const run = this.runs.get(tx.senderHex);
    if (run === undefined || run.from !== accountNonce) {
      // State ahead of the pool (a commit update() has not seen): drop what it made stale, so
      // every nonce held stays >= run.from, which update() relies on.
      if (run !== undefined && accountNonce > run.from)
        for (const [nonce, held] of queue) if (nonce < accountNonce) this.remove(queue, held);
      this.recount(tx.senderHex, queue, accountNonce);
      return;
    }
    if (tx.nonce !== run.to) return; // queued behind a gap: the run is unchanged
    // It extends the run, and may join the queued nonces after it: only those are walked, so
    // a sender's transactions arriving in order cost O(1) each, not a walk of the whole run.
    const before = run.to;
    while (queue.has(run.to)) run.to++;
    this.runnableCount += Number(run.to - before);
  }

  /**
   * Throws what add() would throw, and changes nothing: admission asks this before it pays for
   * a signature check, so a transaction the pool would refuse anyway costs no verification.
   * `maxTxs` may be lower than the pool's bound (a client's transaction, see commit-pace.ts), and
   * `maxLocal` bounds the transactions of this node's own clients (`local`) it holds.
   */
  check(
    tx: PoolTx,
    accountNonce: bigint,
    nextHeight: bigint,
    maxTxs = this.limits.maxTxs,
    maxLocal = Number.POSITIVE_INFINITY,
  ): void {
    if (this.byHash.has(tx.hashHex)) {
      throw refusal("TX_DUPLICATE", "this transaction is already pending", { hash: tx.hashHex });
    }
    if (tx.expiryHeight < nextHeight) {
      throw refusal("TX_EXPIRED", `transaction expired at height ${tx.expiryHeight}`, {
        expiryHeight: tx.expiryHeight.toString(),
        nextHeight: nextHeight.toString(),
      });
    }
    if (tx.nonce < accountNonce) {
      throw refusal("TX_NONCE_TOO_LOW", `nonce ${tx.nonce} was already used; next is ${accountNonce}`, {
        nonce: tx.nonce.toString(),
        expected: accountNonce.toString(),
      });
    }
    if (tx.nonce >= accountNonce + BigInt(this.limits.nonceWindow)) {
      throw refusal(
        "TX_NONCE_TOO_HIGH",
        `nonce ${tx.nonce} is more than ${this.limits.nonceWindow} ahead of the next nonce ${accountNonce}`,
        { nonce: tx.nonce.toString(), expected: accountNonce.toString() },
      );
    }
    const queue = this.bySender.get(tx.senderHex);
    if (queue?.has(tx.nonce)) {
      throw refusal("TX_NONCE_TAKEN", `another pending transaction already uses nonce ${tx.nonce}`, {
        nonce: tx.nonce.toString(),
      });
    }
    const perSender = this.limits.maxTxsPerSender ?? this.limits.nonceWindow;
    if ((queue?.size ?? 0) >= perSender) {
      throw refusal("MEMPOOL_SENDER_FULL", `this sender already has ${perSender} transactions pending`, {
        pending: queue?.size ?? 0,
      });
    }
    if (this.byHash.size >= this.limits.maxTxs || this.bytesHeld + tx.bytes.length > this.limits.maxBytes) {
      throw this.full(this.limits.maxTxs);
    }
    // The caller's bound does not hold the one that fills the gap before the sender's queued
    // nonces: they are already held, and wait for it. A runnable transaction meets it counting
    // runnable ones only (queued ones cannot be reaped, and must not refuse what drains the
    // pool); one that would wait behind a gap counts the queued ones too, since filling a gap
    // makes them all runnable at once: else a pool at pace could hold maxQueuedTxs more
    // runnable transactions a moment later, and everything admitted after them waits that long.
    const runEnd = this.runEnd(tx.senderHex, queue, accountNonce);
    const bound = Math.min(maxTxs, this.limits.maxTxs);
    const fillsGap = tx.nonce === runEnd && hasLater(queue, runEnd);
    const held = tx.nonce === runEnd ? this.runnableCount : this.byHash.size;
    if ((held >= bound || (tx.local === true && this.localCount >= maxLocal)) && !fillsGap)
      throw this.full(maxTxs, maxLocal);
    if (tx.nonce !== runEnd && this.queued >= this.maxQueued) {
      throw refusal(
        "MEMPOOL_FULL",
        `the mempool holds ${this.queued} transactions waiting for an earlier nonce; send nonce ${runEnd} first`,
        { queued: this.queued, maxQueued: this.maxQueued, expected: runEnd.toString() },
      );
    }
  }

  /**
   * True when a client's transaction of this sender would be refused MEMPOOL_FULL whatever else
   * it says: the pool is at the caller's bounds and the sender has nothing pending here, so the
   * transaction cannot fill a gap. Admission asks this before it decodes anything, so that a
   * refusal under overload costs a map lookup, not a decode, a hash and state reads.
   */
  refusesAtBound(senderHex: string, maxTxs: number, maxLocal: number): boolean {
    if (this.bySender.has(senderHex)) return false;
    return (
      this.runnableCount >= Math.min(maxTxs, this.limits.maxTxs) ||
      this.localCount >= maxLocal ||
      this.byHash.size >= this.limits.maxTxs
    );
  }

  /** The refusal of a full pool (or a client's transaction past the caller's bounds). */
  full(maxTxs = this.limits.maxTxs, maxLocal = Number.POSITIVE_INFINITY): MempoolError {
    return refusal("MEMPOOL_FULL", "the mempool is full; retry later", {
      size: this.byHash.size,
      runnable: this.runnableCount,
      local: this.localCount,
      bytes: this.bytesHeld,
      maxTxs: Math.min(maxTxs, this.limits.maxTxs),
      ...(Number.isFinite(maxLocal) ? { maxLocal } : {}),
    });
  }

  /** The sender's first nonce missing from the pool at or after `accountNonce`. */
  private runEnd(sender: string, queue: Map<bigint, PoolTx> | undefined, accountNonce: bigint): bigint {
    const run = this.runs.get(sender);
    let next = run !== undefined && run.from === accountNonce ? run.to : accountNonce;
    while (queue?.has(next)) next++;
    return next;
  }

  /** Recomputes a sender's runnable run from its committed next nonce, and the runnable count. */
  private recount(sender: string, queue: Map<bigint, PoolTx> | undefined, accountNonce: bigint): void {
    const run = this.runs.get(sender);
    if (run !== undefined) this.runnableCount -= Number(run.to - run.from);
    if (queue === undefined || queue.size === 0) {
      this.runs.delete(sender);
      return;
    }
    let to = accountNonce;
    while (queue.has(to)) to++;
    this.runs.set(sender, { from: accountNonce, to });
    this.runnableCount += Number(to - accountNonce);
  }

  /**
   * Picks up to `maxTxs` transactions (and `maxBytes`) that can run in order: for each sender,
   * the unbroken run of nonces from its next nonce. Senders take turns so one cannot starve others.
   */
  reap(maxTxs: number, maxBytes: number, accountNonce: (senderHex: string) => bigint): PoolTx[] {
    const runs: PoolTx[][] = [];
    for (const [sender, queue] of this.bySender) {
      const run: PoolTx[] = [];
      for (let nonce = accountNonce(sender); queue.has(nonce); nonce++) run.push(queue.get(nonce) as PoolTx);
      if (run.length > 0) runs.push(run);
    }
    const picked: PoolTx[] = [];
    let bytes = 0;
    for (let depth = 0; picked.length < maxTxs; depth++) {
      let progressed = false;
      for (const run of runs) {
        const tx = run[depth];
        if (tx === undefined) continue;
        progressed = true;
        if (picked.length >= maxTxs || bytes + tx.bytes.length > maxBytes) return picked;
        picked.push(tx);
        bytes += tx.bytes.length;
      }
      if (!progressed) break;
    }
    return picked;
  }

  /**
   * After a commit: drop what was included, what the new nonces made stale, and what expired.
   * Per sender, only its committed nonces are visited, unless one of its transactions may have
   * expired: then all of them (it was once a walk of the whole pool at every commit).
   */
  update(committedHeight: bigint, accountNonce: (senderHex: string) => bigint): void {
    for (const [sender, queue] of this.bySender) {
      const next = accountNonce(sender);
      const run = this.runs.get(sender);
      const mayExpire = (this.earliestExpiry.get(sender) ?? 0n) <= committedHeight;
      // Every transaction held has a nonce >= run.from (the nonce at the last commit or add).
      if (!mayExpire && run !== undefined && next >= run.from && next - run.from <= BigInt(queue.size)) {
        for (let nonce = run.from; nonce < next; nonce++) {
          const tx = queue.get(nonce);
          if (tx !== undefined) this.removeCommitted(queue, tx);
        }
        this.runnableCount -= Number(run.to - run.from);
        run.from = next;
        if (run.to < next) run.to = next;
        while (queue.has(run.to)) run.to++;
        this.runnableCount += Number(run.to - run.from);
      } else {
        let earliest: bigint | undefined;
        for (const [nonce, tx] of queue) {
          if (nonce < next) this.removeCommitted(queue, tx);
          else if (tx.expiryHeight <= committedHeight) this.remove(queue, tx);
          else if (earliest === undefined || tx.expiryHeight < earliest) earliest = tx.expiryHeight;
        }
        if (earliest !== undefined) this.earliestExpiry.set(sender, earliest);
        this.recount(sender, queue, next);
      }
      if (queue.size === 0) this.forget(sender);
    }
  }

  /** The nonce a sender's next transaction should use, counting what it already has pending. */
  nextNonce(senderHex: string, accountNonce: bigint): bigint {
    const queue = this.bySender.get(senderHex);
    let nonce = accountNonce;
    while (queue?.has(nonce)) nonce++;
    return nonce;
  }

  /** Drops one transaction, for example one that turned out invalid when a block was built. */
  evict(hashHex: string): boolean {
    const tx = this.byHash.get(hashHex);
    const queue = tx === undefined ? undefined : this.bySender.get(tx.senderHex);
    if (tx === undefined || queue === undefined) return false;
    this.remove(queue, tx);
    const run = this.runs.get(tx.senderHex);
    if (run !== undefined) this.recount(tx.senderHex, queue, run.from);
    if (queue.size === 0) this.forget(tx.senderHex);
    return true;
  }

  /** A sender with nothing pending any more. */
  private forget(sender: string): void {
    this.bySender.delete(sender);
    this.runs.delete(sender);
    this.earliestExpiry.delete(sender);
  }

  private remove(queue: Map<bigint, PoolTx>, tx: PoolTx): void {
    queue.delete(tx.nonce);
    this.byHash.delete(tx.hashHex);
    this.bytesHeld -= tx.bytes.length;
    if (tx.local) this.localCount--;
  }

  /** Removes a transaction a commit included (its nonce is now used). */
  private removeCommitted(queue: Map<bigint, PoolTx>, tx: PoolTx): void {
    this.remove(queue, tx);
    const since = this.committedSince;
    since.txs++;
    if (tx.local) since.local++;
    const at = tx.admittedAtMs;
    if (at !== undefined && (since.earliestAdmittedAtMs === undefined || at < since.earliestAdmittedAtMs))
      since.earliestAdmittedAtMs = at;
  }
}

function hasLater(queue: Map<bigint, PoolTx> | undefined, nonce: bigint): boolean {
  for (const pending of queue?.keys() ?? []) if (pending > nonce) return true;
  return false;
}
