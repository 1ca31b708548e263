import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { HashOrder } from "../../bench/workload/hash-order.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "mkl-hash-order-"));
  dirs.push(dir);
  return join(dir, "buckets");
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("HashOrder (the seed's on-disk sort)", () => {
  it("gives back every record once, in key order, whatever order they came in and however they spilled", () => {
    const dir = tempDir();
    // A small buffer: most buckets go to their file several times.
    const order = new HashOrder(dir, 64);
    const records = Array.from({ length: 3_000 }, (_, i) => ({
      // Keys of several lengths, some sharing a first byte and a prefix.
      key: i % 7 === 0 ? Buffer.concat([Buffer.from([i % 5]), randomBytes(1 + (i % 40))]) : randomBytes(32),
      value: randomBytes(i % 100),
    }));
    for (const r of records) order.add(r.key, r.value);
    expect(order.size).toBe(records.length);
    const back = [...order.sorted()].map((r) => `${hex(r.key)}=${hex(r.value)}`);
    const expected = records
      .slice()
      .sort((a, b) => Buffer.compare(a.key, b.key))
      .map((r) => `${hex(r.key)}=${hex(r.value)}`);
    expect(back).toEqual(expected);
    expect(existsSync(dir)).toBe(false);
    expect(() => order.add(randomBytes(32), new Uint8Array())).toThrow(/after the records were read/);
  });

  it("refuses an empty key, and discard removes the files unread", () => {
    const dir = tempDir();
    const order = new HashOrder(dir);
    expect(() => order.add(new Uint8Array(), new Uint8Array([1]))).toThrow(/a key of 0 bytes/);
    order.add(randomBytes(32), randomBytes(10));
    order.discard();
    expect(existsSync(dir)).toBe(false);
    expect(() => [...order.sorted()]).toThrow(/read already/);
  });
});
