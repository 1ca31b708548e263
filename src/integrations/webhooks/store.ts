import { open, type RootDatabase } from "lmdb";

/**
 * The webhook service's durable state (LMDB, one directory): subscriptions, one FIFO queue of
 * deliveries per subscription, the dead letters, and the height of the last block whose events
 * were queued. A block's deliveries and the new height commit in one transaction, so after a
 * crash the service resumes from the block after that height and queues each event once.
 *
 * A dead letter keeps its place in the queue (its sequence number): replayed, it goes back to
 * that place, ahead of every event still queued after it, and several replayed together go in
 * block order among themselves. Events the queue delivered while it sat in the dead letters came
 * before it: the receiver sees that from the event id (HEIGHT-TX-N orders every event of the
 * chain), as it sees a repeat, and the event carries its own height, so a receiver that applies
 * the newest fact per object (an order's status at its height, as the indexer does) is unharmed.
 */

export interface Subscription {
  readonly id: string;
  readonly url: string;
  /** Hex of the HMAC key; shown to the subscriber once, when it subscribes. */
  readonly secret: string;
  readonly signer: string;
  readonly filter: { enterprise: string } | { payee: string };
  readonly kinds: readonly string[];
  readonly createdAtMs: number;
  /** The first block whose events it receives. */
  readonly fromHeight: string;
}

export interface Delivery {
  readonly subscription: string;
  readonly eventId: string;
  readonly height: string;
  /** The exact JSON body POSTed (and signed). */
  readonly body: string;
  readonly attempts: number;
  readonly nextAttemptMs: number;
  readonly lastError?: string;
}

export interface DeadLetter {
  readonly id: string;
  readonly delivery: Delivery;
}

/** A dead letter as stored: the delivery and its place in its subscription's queue. */
interface StoredDeadLetter {
  readonly delivery: Delivery;
  readonly seq: number;
}

type QueueKey = [string, number];

export class WebhookStore {
  private readonly subs;
  private readonly queue;
  private readonly dead;
  private readonly meta;

  private constructor(private readonly root: RootDatabase) {
    this.subs = root.openDB<Subscription, string>({ name: "subscriptions" });
    this.queue = root.openDB<Delivery, QueueKey>({ name: "queue" });
    this.dead = root.openDB<StoredDeadLetter, string>({ name: "dead-letters" });
    this.meta = root.openDB<string | number, string>({ name: "meta" });
  }

  static open(dir: string): WebhookStore {
    return new WebhookStore(open({ path: dir, maxDbs: 8 }));
  }

  /** The last block whose events are queued, or undefined before the first. */
  cursor(): bigint | undefined {
    const value = this.meta.get("cursor");
    return value === undefined ? undefined : BigInt(value);
  }

  subscriptions(): Subscription[] {
    return [...this.subs.getRange()].map(({ value }) => value);
  }

  addSubscription(subscription: Subscription): void {
    this.subs.putSync(subscription.id, subscription);
  }

  /** Queues a block's deliveries (per subscription, in order) and moves the cursor, atomically. */
  ingest(height: bigint, deliveries: ReadonlyMap<string, readonly Delivery[]>): void {
    this.root.transactionSync(() => {
      for (const [subscription, list] of deliveries) {
        let seq = Number(this.meta.get(`seq/${subscription}`) ?? 0);
        for (const d of list) this.queue.putSync([subscription, seq++], d);
        this.meta.putSync(`seq/${subscription}`, seq);
      }
      this.meta.putSync("cursor", height.toString());
    });
  }

  /** The oldest undelivered delivery of a subscription. */
  head(subscription: string): { key: QueueKey; delivery: Delivery } | undefined {
    for (const { key, value } of this.queue.getRange({
      start: [subscription, 0],
      end: [subscription, Number.MAX_SAFE_INTEGER],
      limit: 1,
    }))
      return { key, delivery: value };
    return undefined;
  }

  queued(subscription: string): number {
    return this.queue.getKeysCount({
      start: [subscription, 0],
      end: [subscription, Number.MAX_SAFE_INTEGER],
    });
  }

  delivered(key: QueueKey): void {
    this.queue.removeSync(key);
  }

  retryLater(key: QueueKey, delivery: Delivery): void {
    this.queue.putSync(key, delivery);
  }

  /** Takes a delivery that ran out of attempts off its queue (so later events flow) and keeps it. */
  deadLetter(key: QueueKey, delivery: Delivery): void {
    this.root.transactionSync(() => {
      this.queue.removeSync(key);
      this.dead.putSync(`${delivery.subscription}/${delivery.eventId}`, { delivery, seq: key[1] });
    });
  }

  /** In queue order: by subscription, then by place. */
  deadLetters(subscription?: string): DeadLetter[] {
    return [...this.dead.getRange()]
      .filter(({ value }) => subscription === undefined || value.delivery.subscription === subscription)
      .sort((a, b) =>
        a.value.delivery.subscription === b.value.delivery.subscription
          ? a.value.seq - b.value.seq
          : a.value.delivery.subscription < b.value.delivery.subscription
            ? -1
            : 1,
      )
      .map(({ key, value }) => ({ id: key, delivery: value.delivery }));
  }

  /** Puts dead letters back in their places in their queues, with fresh attempts, in one transaction; returns those found. */
  replay(ids: readonly string[], nowMs: number): string[] {
    return this.root.transactionSync(() =>
      ids.filter((id) => {
        const dead = this.dead.get(id);
        if (dead === undefined) return false;
        const { delivery, seq } = dead;
        this.queue.putSync([delivery.subscription, seq], { ...delivery, attempts: 0, nextAttemptMs: nowMs });
        this.dead.removeSync(id);
        return true;
      }),
    );
  }

  async close(): Promise<void> {
    await this.root.close();
  }
}
