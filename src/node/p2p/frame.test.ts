import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FrameDecoder, frameHeader } from "./frame.js";

function drain(decoder: FrameDecoder, chunk: Buffer): Buffer[] {
  decoder.push(chunk);
  const out: Buffer[] = [];
  for (let body = decoder.next(); body !== undefined; body = decoder.next()) out.push(body);
  return out;
}

function framed(bodies: Uint8Array[]): Buffer {
  return Buffer.concat(bodies.flatMap((b) => [frameHeader(b.length), Buffer.from(b)]));
}

/** Splits bytes at the given cut points (sorted, deduplicated, in range). */
function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  return out;
}

describe("FrameDecoder", () => {
  it("returns the same frames however the stream is chunked", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (bodies, cuts) => {
          const decoder = new FrameDecoder(300);
          const got = split(framed(bodies), cuts).flatMap((chunk) => drain(decoder, chunk));
          expect(got.map((b) => [...b])).toEqual(bodies.map((b) => [...b]));
          expect(decoder.bufferedBytes).toBe(0);
        },
      ),
    );
  });

  it("refuses a length over the limit before buffering the body", () => {
    const decoder = new FrameDecoder(100);
    expect(() => drain(decoder, frameHeader(101))).toThrow(
      expect.objectContaining({ code: "P2P_FRAME_TOO_LARGE" }),
    );
  });

  it("refuses an empty frame", () => {
    const decoder = new FrameDecoder(100);
    expect(() => drain(decoder, frameHeader(0))).toThrow(
      expect.objectContaining({ code: "P2P_FRAME_EMPTY" }),
    );
  });

  it("applies a raised limit to later frames only", () => {
    // Two frames in one chunk; the limit is raised after the first, as after a Hello.
    const decoder = new FrameDecoder(4);
    decoder.push(framed([Uint8Array.of(1, 2, 3, 4), new Uint8Array(8)]));
    expect(decoder.next()).toHaveLength(4);
    decoder.setMaxFrameBytes(8);
    expect(decoder.next()).toHaveLength(8);
    const strict = new FrameDecoder(4);
    expect(() => drain(strict, framed([new Uint8Array(5)]))).toThrow();
  });
});
