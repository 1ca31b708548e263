import { describe, expect, it } from "vitest";
import { NextHeightBuffer } from "./next-height-buffer.js";

const vote = (validator: string, round: number) =>
  ({
    kind: "vote",
    vote: { type: "prevote", height: 5, round, valueId: null, validator, timestampMs: 0 },
  }) as const;

describe("NextHeightBuffer", () => {
  it("gives back what arrived for a height, once, in arrival order per signer", () => {
    const buffer = new NextHeightBuffer();
    expect(buffer.add(5, "a", vote("a", 0))).toBe(true);
    expect(buffer.add(5, "b", vote("b", 0))).toBe(true);
    expect(buffer.add(5, "a", vote("a", 1))).toBe(true);
    expect(
      buffer.take(5).map((m) => (m.kind === "vote" ? `${m.vote.validator}${m.vote.round}` : "")),
    ).toEqual(["a0", "a1", "b0"]);
    expect(buffer.take(5)).toEqual([]);
  });

  it("keeps at most so many per signer and in all, and drops older heights", () => {
    const buffer = new NextHeightBuffer(2, 3);
    expect(buffer.add(5, "a", vote("a", 0))).toBe(true);
    expect(buffer.add(5, "a", vote("a", 1))).toBe(true);
    expect(buffer.add(5, "a", vote("a", 2))).toBe(false); // per signer
    expect(buffer.add(5, "b", vote("b", 0))).toBe(true);
    expect(buffer.add(5, "c", vote("c", 0))).toBe(false); // in all
    expect(buffer.count).toBe(3);
    expect(buffer.add(6, "a", vote("a", 0))).toBe(true); // a later height replaces the buffer
    expect(buffer.add(5, "a", vote("a", 0))).toBe(false); // an older one is refused
    expect(buffer.take(5)).toEqual([]);
    expect(buffer.count).toBe(0);
  });
});
