import { systemClock } from "../../clock.js";
import { EVENT_ID_HEADER, SIGNATURE_HEADER, SUBSCRIPTION_HEADER, signatureHeader } from "./signature.js";
import type { Delivery, Subscription, WebhookStore } from "./store.js";

/**
 * Delivers one subscription's queue in order, one event at a time: a 2xx answer removes it;
 * anything else (an error status, a refused connection, no answer within the timeout) retries
 * it after an exponentially growing pause; after maxAttempts it becomes a dead letter and the
 * next event goes. At least once: a delivery the receiver took but whose answer was lost is sent
 * again, with the same event id.
 */

export interface RetryPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
  readonly maxAttempts: number;
  readonly timeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 500, maxMs: 60_000, maxAttempts: 8, timeoutMs: 10_000 };

export function backoffMs(policy: RetryPolicy, attempts: number): number {
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempts - 1));
}

async function post(
  subscription: Subscription,
  delivery: Delivery,
  timeoutMs: number,
): Promise<string | undefined> {
  try {
    const response = await fetch(subscription.url, {
      method: "POST",
      body: delivery.body,
      headers: {
        "content-type": "application/json",
        [EVENT_ID_HEADER]: delivery.eventId,
        [SUBSCRIPTION_HEADER]: subscription.id,
        [SIGNATURE_HEADER]: signatureHeader(subscription.secret, systemClock.now(), delivery.body),
      },
      signal: AbortSignal.timeout(timeoutMs),
      redirect: "manual",
    });
    await response.body?.cancel();
    return response.ok ? undefined : `HTTP ${response.status}`;
  } catch (error) {
    return (error as Error).message;
  }
}

export class Deliverer {
  private stopped = false;
  private wake: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  readonly done: Promise<void>;

  constructor(
    private readonly store: WebhookStore,
    private readonly subscription: Subscription,
    private readonly policy: RetryPolicy,
    private readonly log: (line: string) => void,
  ) {
    this.done = this.run();
  }

  /** Something was queued: look again. */
  poke(): void {
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.wake?.();
    await this.done;
  }

  private pause(ms: number | undefined): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wake = resolve;
      if (ms !== undefined) this.timer = setTimeout(resolve, ms);
    }).then(() => {
      clearTimeout(this.timer);
      this.wake = undefined;
    });
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const head = this.store.head(this.subscription.id);
      if (head === undefined) {
        await this.pause(undefined);
        continue;
      }
      const waitMs = head.delivery.nextAttemptMs - systemClock.now();
      if (waitMs > 0) {
        await this.pause(waitMs);
        continue;
      }
      const error = await post(this.subscription, head.delivery, this.policy.timeoutMs);
      if (this.stopped && error !== undefined) return;
      if (error === undefined) {
        this.store.delivered(head.key);
        continue;
      }
      const attempts = head.delivery.attempts + 1;
      const next = {
        ...head.delivery,
        attempts,
        lastError: error,
        nextAttemptMs: systemClock.now() + backoffMs(this.policy, attempts),
      };
      if (attempts >= this.policy.maxAttempts) {
        this.store.deadLetter(head.key, next);
        this.log(
          `webhook ${this.subscription.id}: event ${next.eventId} dead-lettered after ${attempts} attempts (${error})`,
        );
      } else this.store.retryLater(head.key, next);
    }
  }
}
