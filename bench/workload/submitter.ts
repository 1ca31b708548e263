import type { MarketLedgerClient } from "../../src/sdk/index.js";
import type { CommitObserver } from "./observer.js";

export const TICK_MS = 20;
/** Refusals that say "not now" rather than "never": the transaction is offered again next tick. */
const TRANSIENT = new Set(["MEMPOOL_FULL", "RATE_LIMITED", "TX_NONCE_TOO_HIGH", "NETWORK"]);
/**
 * By default a transaction refused as "not now" is offered again until a node takes it: giving
 * one up strands every later nonce of its sender (they can never commit), which in one loaded
 * run left 12,500 transactions queued behind gaps on every node and the chain making empty
 * blocks. What a run leaves unadmitted is given up between runs (abandon()), its nonces signed
 * again.
 */
const GIVE_UP_MS = Number.POSITIVE_INFINITY;
/** At most this many of one sender's transactions in flight: the chain's nonce window is 256. */
const PER_SENDER_IN_FLIGHT = 200;
/**
 * A node that answers "not now" (mempool full, rate limited) says when to come back
 * (`retryAfterMs`, Retry-After to the millisecond): until its next commit is due, when its pool
 * has room again. It gets nothing more until then. One that does not say (unreachable, an older
 * node) gets nothing for a delay that doubles per such answer (100 ms up to 1 s, with jitter so
 * the nodes are not probed in step), reset by a batch it takes whole. Offering every refused
 * transaction again on each 20 ms tick made, in one quiet run, 3.2 million refused submissions,
 * whose parsing took the very cores the nodes commit with; the doubling backoff alone still
 * made 400,029 (5.0 per committed transaction) at 13cff52.
 */
/**
 * A node's batch is at most its window: what it took of the last batch it refused some of (at
 * least MIN_WINDOW), doubled by each batch it takes whole, up to the route's 500. So a node
 * without room is asked again with a few transactions, not 500 it will refuse (each refused one
 * is a decode-free but real admission refusal on the node, and a result in its answer).
 */
const MIN_WINDOW = 8;
const BACKOFF_FIRST_MS = 100;
const BACKOFF_MAX_MS = 1_000;
const GOLDEN_FRACTION = 0.618_033_988_75;

/** Where a workload sends its signed transactions. */
export interface TxSink {
  enqueue(tx: QueuedTx): void;
}

/** A transaction released for sending, numbered in release order. */
interface Released {
  readonly tx: QueuedTx;
  readonly seq: number;
}

export interface QueuedTx {
  readonly bytes: Uint8Array;
  readonly hashHex: string;
  /** Who signed it (any stable id): a sender's transactions go out in the order queued. */
  readonly sender: string;
}

/**
 * Open-loop submission: every TICK_MS, whatever is ready goes out in batches (one in flight per
 * node, at most the node's window), each sender's
 * transactions to one node (senders are spread over the nodes in turn, as clients of a
 * gateway are): a sender's later nonce sent to another node while an earlier one was refused
 * would wait there behind the gap, and no other node could take the one that fills it past the
 * pace (they do not hold what it unblocks). A sender has at most
 * PER_SENDER_IN_FLIGHT transactions out at once, the rest wait here in nonce order. A transient
 * refusal (mempool full, rate limit) puts the transaction back in its place (release order, so
 * each sender's stay in nonce order) and backs off from that node; a final one is counted by
 * code. Each transaction's times are kept (offered, first sent, admitted) for the run's
 * figures to split its latency (see latency-parts.ts).
 */
export class Submitter implements TxSink {
  /** When the workload offered it (an open-loop arrival): a user's wait starts here. */
  readonly offeredAt = new Map<string, number>();
  /** Each sender's transactions in the order offered (its nonce order). */
  readonly bySender = new Map<string, string[]>();
  readonly firstSubmittedAt = new Map<string, number>();
  /** When the node admitted it (the attempt that was not refused): latency counts from here. */
  readonly acceptedAt = new Map<string, number>();
  readonly txBytes = new Map<string, number>();
  readonly refusals = new Map<string, number>();
  readonly finalRefusals = new Set<string>();
  /** Per node, per sender: released and not in flight, in release order. */
  private ready: Array<Map<string, Released[]>>;
  /** Senders with a request in flight. */
  private readonly sending = new Set<string>();
  /** The node each sender's transactions go to. */
  private readonly nodeOf = new Map<string, number>();
  private released = 0;
  /** Per node: no batch before this time, and the current backoff. */
  private readonly backoff: Array<{ untilMs: number; delayMs: number }>;
  /** Per node: the most transactions its next batch may carry (see MIN_WINDOW). */
  private readonly window: number[];
  /**
   * Per node: a batch is in flight. One at a time, so the window bounds what a node is offered
   * at once: with a batch sent every tick, a slow node's refusals came several requests at a time.
   */
  private readonly busy: boolean[];
  private jitter = 0;
  private readonly held = new Map<string, QueuedTx[]>();
  private readonly outstanding = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private waiting = 0;
  private abandoning = false;
  /** Dropped by abandon(): a late commit of one (a try whose answer was lost) is not counted twice. */
  private readonly abandoned = new Set<string>();

  constructor(
    private readonly clients: readonly MarketLedgerClient[],
    private readonly observer: CommitObserver,
    private readonly giveUpMs = GIVE_UP_MS,
    // The node's batch route takes at most 500.
    private readonly maxBatch = 500,
  ) {
    this.backoff = clients.map(() => ({ untilMs: 0, delayMs: 0 }));
    this.window = clients.map(() => maxBatch);
    this.busy = clients.map(() => false);
    this.ready = clients.map(() => new Map());
  }

  enqueue(tx: QueuedTx): void {
    this.txBytes.set(tx.hashHex, tx.bytes.length);
    this.offeredAt.set(tx.hashHex, performance.now());
    const ofSender = this.bySender.get(tx.sender);
    if (ofSender) ofSender.push(tx.hashHex);
    else this.bySender.set(tx.sender, [tx.hashHex]);
    this.waiting++;
    const out = this.outstanding.get(tx.sender) ?? 0;
    if (out < PER_SENDER_IN_FLIGHT && !this.held.has(tx.sender)) this.release(tx);
    else {
      const queue = this.held.get(tx.sender);
      if (queue) queue.push(tx);
      else this.held.set(tx.sender, [tx]);
    }
  }

  /** Transactions not yet committed or given up. */
  get backlog(): number {
    return this.waiting;
  }

  start(): void {
    this.abandoning = false;
    this.timer ??= setInterval(() => this.flush(), TICK_MS);
  }

  /**
   * Gives up everything not yet admitted: what waits here is dropped, and what a node refuses
   * from now until the next start() is not offered again. Returns how many were dropped here.
   * Between two runs, so that the next starts on a chain that is not still draining the last.
   */
  abandon(): number {
    this.abandoning = true;
    const released = this.ready.flatMap((m) => [...m.values()].flat()).map((r) => r.tx);
    const dropped = [...released, ...[...this.held.values()].flat()];
    for (const tx of released) this.outstanding.set(tx.sender, (this.outstanding.get(tx.sender) ?? 1) - 1);
    this.ready = this.clients.map(() => new Map());
    this.held.clear();
    this.sending.clear();
    this.waiting -= dropped.length;
    for (const tx of dropped) {
      this.finalRefusals.add(tx.hashHex);
      this.abandoned.add(tx.hashHex);
    }
    return dropped.length;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private release(tx: QueuedTx): void {
    this.outstanding.set(tx.sender, (this.outstanding.get(tx.sender) ?? 0) + 1);
    let node = this.nodeOf.get(tx.sender);
    if (node === undefined) {
      node = this.nodeOf.size % this.clients.length;
      this.nodeOf.set(tx.sender, node);
    }
    const ready = this.ready[node] as Map<string, Released[]>;
    const entry = { tx, seq: this.released++ };
    const queue = ready.get(tx.sender);
    if (queue) queue.push(entry);
    else ready.set(tx.sender, [entry]);
    this.observer.onCommit(tx.hashHex, () => this.done(tx));
  }

  private done(tx: QueuedTx): void {
    if (this.abandoned.has(tx.hashHex)) return;
    this.waiting--;
    this.outstanding.set(tx.sender, (this.outstanding.get(tx.sender) ?? 1) - 1);
    const queue = this.held.get(tx.sender);
    const next = queue?.shift();
    if (queue && queue.length === 0) this.held.delete(tx.sender);
    if (next) this.release(next);
  }

  /**
   * One tick: to each node that is not backed off, one batch of its ready transactions of
   * senders with no request in flight. A sender's transactions travel in one request at a time
   * (the node takes them in order): a later request could otherwise be admitted after an
   * earlier one was refused, just as a commit made room, and wait behind the refused nonce.
   */
  private flush(): void {
    const now = performance.now();
    for (let node = 0; node < this.clients.length; node++) {
      if ((this.backoff[node] as { untilMs: number }).untilMs > now || this.busy[node]) continue;
      const ready = this.ready[node] as Map<string, Released[]>;
      const batch: Released[] = [];
      const senders = new Set<string>();
      const most = this.window[node] as number;
      for (const [sender, queue] of ready) {
        if (batch.length >= most) break;
        if (this.sending.has(sender)) continue;
        batch.push(...queue.splice(0, most - batch.length));
        if (queue.length === 0) ready.delete(sender);
        senders.add(sender);
        this.sending.add(sender);
      }
      if (batch.length > 0) this.send(node, batch, senders);
    }
  }

  /** Puts a node's refused transactions back before their senders' later ready ones (nonce order). */
  private putBack(node: number, refused: Released[]): void {
    const ready = this.ready[node] as Map<string, Released[]>;
    for (const entry of refused) {
      const queue = ready.get(entry.tx.sender);
      if (queue === undefined) ready.set(entry.tx.sender, [entry]);
      else {
        let at = 0;
        while (at < queue.length && (queue[at] as Released).seq < entry.seq) at++;
        queue.splice(at, 0, entry);
      }
    }
  }

  private send(node: number, entries: Released[], senders: ReadonlySet<string>): void {
    const client = this.clients[node] as MarketLedgerClient;
    const batch = entries.map((e) => e.tx);
    this.busy[node] = true;
    const now = performance.now();
    for (const tx of batch)
      if (!this.firstSubmittedAt.has(tx.hashHex)) this.firstSubmittedAt.set(tx.hashHex, now);
    // Not awaited: batches overlap (open loop). A bug in the bookkeeping rejects unhandled and stops the run.
    void client
      .submitTxBatch(batch.map((tx) => tx.bytes))
      .catch((error: { code?: string; retryAfterMs?: number }) => ({
        results: batch.map(() => ({ error: { code: error.code ?? "NETWORK", message: "" } })),
        retryAfterMs: error.retryAfterMs,
      }))
      .then(({ results, retryAfterMs }) => {
        const again: Released[] = [];
        let taken = 0;
        batch.forEach((tx, i) => {
          const result = results[i];
          if (result !== undefined && "hash" in result) {
            this.acceptedAt.set(tx.hashHex, now);
            taken++;
            return;
          }
          const code = result?.error.code ?? "NO_ANSWER";
          this.refusals.set(code, (this.refusals.get(code) ?? 0) + 1);
          const first = this.firstSubmittedAt.get(tx.hashHex) ?? now;
          if (!this.abandoning && TRANSIENT.has(code) && performance.now() - first < this.giveUpMs)
            again.push(entries[i] as Released);
          else {
            this.finalRefusals.add(tx.hashHex);
            this.done(tx);
          }
        });
        const backoff = this.backoff[node] as { untilMs: number; delayMs: number };
        this.window[node] =
          again.length === 0
            ? Math.min(this.maxBatch, 2 * (this.window[node] as number))
            : Math.max(MIN_WINDOW, taken);
        if (again.length === 0) backoff.delayMs = 0;
        else if (retryAfterMs !== undefined) {
          // The node said when it will have room (its next commit): nothing before, and the
          // return spread over a tenth of the wait so its clients do not all come back at once.
          this.jitter = (this.jitter + GOLDEN_FRACTION) % 1;
          backoff.delayMs = 0;
          backoff.untilMs = performance.now() + retryAfterMs * (1 + this.jitter / 10);
        } else {
          backoff.delayMs = Math.min(
            BACKOFF_MAX_MS,
            backoff.delayMs === 0 ? BACKOFF_FIRST_MS : backoff.delayMs * 2,
          );
          // Spread over the second half of the delay by a low-discrepancy sequence (no seedless
          // randomness in this repository), so four nodes' backoffs do not end in step.
          this.jitter = (this.jitter + GOLDEN_FRACTION) % 1;
          backoff.untilMs = performance.now() + backoff.delayMs * (0.5 + this.jitter / 2);
        }
        this.busy[node] = false;
        for (const sender of senders) this.sending.delete(sender);
        this.putBack(node, again);
      });
  }
}
