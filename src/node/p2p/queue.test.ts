import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FRAME_HEADER_BYTES } from "./frame.js";
import { OutboundQueue, type Priority } from "./queue.js";

const msg = (n: number, fill = 0) => new Uint8Array(n).fill(fill);
const cost = (n: number) => n + FRAME_HEADER_BYTES;

describe("OutboundQueue", () => {
  it("writes high priority first, FIFO within a priority", () => {
    const q = new OutboundQueue(1000);
    q.push(msg(1, 1), "low");
    q.push(msg(1, 2), "high");
    q.push(msg(1, 3), "low");
    q.push(msg(1, 4), "high");
    const order = [q.shift(), q.shift(), q.shift(), q.shift()].map((b) => b?.[0]);
    expect(order).toEqual([2, 4, 1, 3]);
    expect(q.shift()).toBeUndefined();
    expect(q.bytes).toBe(0);
  });

  it("evicts the oldest low-priority messages to make room", () => {
    const q = new OutboundQueue(cost(10) * 3);
    for (const fill of [1, 2, 3]) expect(q.push(msg(10, fill), "low")).toBe("queued");
    expect(q.push(msg(10, 4), "low")).toBe("queued");
    expect(q.droppedMessages).toBe(1);
    expect([q.shift()?.[0], q.shift()?.[0], q.shift()?.[0]]).toEqual([2, 3, 4]);
  });

  it("rejects a low-priority message that cannot fit beside high-priority ones", () => {
    const q = new OutboundQueue(cost(10) * 2);
    q.push(msg(10), "high");
    q.push(msg(10), "high");
    expect(q.push(msg(10), "low")).toBe("rejected");
    expect(q.length).toBe(2);
  });

  it("reports overflow when high priority cannot fit even after evicting every low message", () => {
    const q = new OutboundQueue(cost(10) * 2);
    q.push(msg(10), "high");
    q.push(msg(10), "low");
    expect(q.push(msg(10), "high")).toBe("queued"); // the low one made room
    expect(q.push(msg(10), "high")).toBe("overflow");
  });

  it("takes one message larger than the bound when empty", () => {
    const q = new OutboundQueue(100);
    expect(q.push(msg(1000), "high")).toBe("queued");
    expect(q.push(msg(1), "low")).toBe("rejected");
  });

  it("never holds more than its bound, except one oversized message alone", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ op: fc.constant("push" as const), size: fc.nat(300), high: fc.boolean() }),
            fc.record({ op: fc.constant("shift" as const) }),
          ),
          { maxLength: 200 },
        ),
        (ops) => {
          const max = 1000;
          const q = new OutboundQueue(max);
          const model: Array<{ size: number; p: Priority }> = [];
          for (const o of ops) {
            if (o.op === "shift") {
              const body = q.shift();
              if (body !== undefined) {
                const i = model.findIndex((m) => m.p === "high");
                model.splice(Math.max(i, 0), 1); // no high left: all are low, the oldest is first
              }
            } else {
              const p: Priority = o.high ? "high" : "low";
              if (q.push(msg(o.size), p) === "queued") model.push({ size: o.size, p });
              // Mirror evictions: the model's oldest lows go while over the bound.
              let total = model.reduce((s, m) => s + cost(m.size), 0);
              while (total !== q.bytes) {
                const i = model.findIndex((m) => m.p === "low");
                total -= cost(model[i]!.size);
                model.splice(i, 1);
              }
            }
            expect(q.bytes <= max || q.length === 1).toBe(true);
            expect(q.length).toBe(model.length);
          }
        },
      ),
    );
  });
});
