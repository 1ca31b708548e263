import { open, type RootDatabase } from "lmdb";

/**
 * The webhook service's durable state (LMDB, one directory): subscriptions, one FIFO queue of
 * deliveries per subscription, the dead letters, and the height of the last block whose events
 * were queued. A block's deliveries and the new height commit in one transaction, so after a
 * crash the service resumes from the block after that height and queues each event once.
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

type QueueKey = [string, number];

export class WebhookStore {
  private readonly subs;
  private readonly queue;
  private readonly dead;
  private readonly meta;

  private constructor(private readonly root: RootDatabase) {
    this.subs = root.openDB<Subscription, string>({ name: "subscriptions" });
    this.queue = root.openDB<Delivery, QueueKey>({ name: "queue" });
    this.dead = root.openDB<Delivery, string>({ name: "dead-letters" });
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
      return { key: key as QueueKey, delivery: value };
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
      this.dead.putSync(`${delivery.subscription}/${delivery.eventId}`, delivery);
    });
  }

  deadLetters(): DeadLetter[] {
    return [...this.dead.getRange()].map(({ key, value }) => ({ id: key, delivery: value }));
  }

  /** Puts a dead letter back at the end of its subscription's queue, with fresh attempts. */
  replay(id: string, nowMs: number): boolean {
    return this.root.transactionSync(() => {
      const delivery = this.dead.get(id);
      if (delivery === undefined) return false;
      const seq = Number(this.meta.get(`seq/${delivery.subscription}`) ?? 0);
      this.queue.putSync([delivery.subscription, seq], { ...delivery, attempts: 0, nextAttemptMs: nowMs });
      this.meta.putSync(`seq/${delivery.subscription}`, seq + 1);
      this.dead.removeSync(id);
      return true;
    });
  }

  async close(): Promise<void> {
    await this.root.close();
  }
}
