import { describe, expect, it } from "vitest";
import { HeadReads } from "./admission-reads.js";

/** A store whose values can change, counting its reads. */
function store() {
  const values = new Map<number, Uint8Array>([[1, new Uint8Array([1])]]);
  const reads: number[] = [];
  return {
    values,
    reads,
    reader: {
      get: (key: Uint8Array) => {
        reads.push(key[0] as number);
        return values.get(key[0] as number);
      },
    },
  };
}

describe("admission's committed-state reads", () => {
  it("read each key once per head height, absent keys too, and hand out the same bytes", () => {
    const s = store();
    const reads = new HeadReads(s.reader);
    const first = reads.at(5n).get(new Uint8Array([1]));
    expect(reads.at(5n).get(new Uint8Array([1]))).toBe(first);
    expect(reads.at(5n).get(new Uint8Array([2]))).toBeUndefined();
    expect(reads.at(5n).get(new Uint8Array([2]))).toBeUndefined();
    expect(s.reads).toEqual([1, 2]);
  });

  it("read afresh once the head moves, so a commit's writes are seen at once", () => {
    const s = store();
    const reads = new HeadReads(s.reader);
    expect(reads.at(5n).get(new Uint8Array([1]))).toEqual(new Uint8Array([1]));
    s.values.set(1, new Uint8Array([9]));
    s.values.set(2, new Uint8Array([2]));
    expect(reads.at(6n).get(new Uint8Array([1]))).toEqual(new Uint8Array([9]));
    expect(reads.at(6n).get(new Uint8Array([2]))).toEqual(new Uint8Array([2]));
    expect(s.reads).toEqual([1, 1, 2]);
  });

  it("keep at most maxKeys keys of a height; past them every read goes to the store", () => {
    const s = store();
    const reads = new HeadReads(s.reader, 2);
    for (const key of [1, 2, 3, 3, 1]) reads.at(1n).get(new Uint8Array([key]));
    expect(s.reads).toEqual([1, 2, 3, 3]);
  });
});
