import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Delivery, WebhookStore } from "./store.js";

/** A replayed dead letter goes back to its place in its queue, not to the end. */

let dir: string;
let store: WebhookStore;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "mkl-hook-store-"));
  store = WebhookStore.open(dir);
});

afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const delivery = (subscription: string, eventId: string): Delivery => ({
  subscription,
  eventId,
  height: eventId.split("-")[0]!,
  body: "{}",
  attempts: 0,
  nextAttemptMs: 0,
});

/** Takes the head of a subscription's queue: delivered, or dead-lettered. */
function take(subscription: string, outcome: "delivered" | "dead"): string {
  const head = store.head(subscription);
  if (head === undefined) throw new Error(`${subscription}'s queue is empty`);
  if (outcome === "delivered") store.delivered(head.key);
  else store.deadLetter(head.key, { ...head.delivery, attempts: 3 });
  return head.delivery.eventId;
}

describe("webhook store: dead letters", () => {
  it("replays dead letters into their places, ahead of what is still queued, in block order whatever the order asked", () => {
    const ids = ["5-0-0", "5-1-0", "6-0-0", "7-end-0", "8-0-0"];
    store.ingest(
      8n,
      new Map([
        ["a", ids.map((id) => delivery("a", id))],
        ["b", [delivery("b", "5-0-0")]],
      ]),
    );
    expect(take("a", "dead")).toBe("5-0-0");
    expect(take("a", "dead")).toBe("5-1-0");
    expect(take("a", "delivered")).toBe("6-0-0");
    expect(take("a", "dead")).toBe("7-end-0");
    expect(take("b", "dead")).toBe("5-0-0");
    expect(store.deadLetters("a").map((d) => d.delivery.eventId)).toEqual(["5-0-0", "5-1-0", "7-end-0"]);

    // Asked newest first; they still come back oldest first, and before 8-0-0, still queued.
    expect(store.replay(["a/7-end-0", "a/5-1-0", "a/5-0-0", "a/nothing"], 0)).toEqual([
      "a/7-end-0",
      "a/5-1-0",
      "a/5-0-0",
    ]);
    const order: string[] = [];
    while (store.head("a") !== undefined) order.push(take("a", "delivered"));
    expect(order).toEqual(["5-0-0", "5-1-0", "7-end-0", "8-0-0"]);
    expect(store.deadLetters().map((d) => d.id)).toEqual(["b/5-0-0"]);
    expect(store.head("a")).toBeUndefined();
  });
});
