import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareBytes, type HashFn, toHex } from "../bytes.js";
import { sha256 } from "../test-suites.test-util.js";
import { MemoryNodeStore } from "./memory-store.js";
import { EMPTY_ROOT } from "./nodes.js";
import { applyBatch } from "./smt.js";
import { SortedTreeBuilder } from "./sorted-build.js";

/** A hash whose outputs all start with `zeros` zero bytes: paths share long prefixes, so deep one-sided chains. */
const weak =
  (zeros: number): HashFn =>
  (data) => {
    const h = sha256(data);
    h.fill(0, 0, zeros);
    return h;
  };

function built(hashFn: HashFn, entries: ReadonlyArray<{ key: Uint8Array; value: Uint8Array }>) {
  const nodes = new Map<string, Uint8Array>();
  const builder = new SortedTreeBuilder(hashFn, (hash, node) => nodes.set(toHex(hash), node));
  const sorted = [...entries].sort((a, b) => compareBytes(hashFn(a.key), hashFn(b.key)));
  for (const e of sorted) builder.add(e.key, e.value);
  return { root: builder.finish(), nodes, leaves: builder.leaves };
}

const entriesArb = fc
  .uniqueArray(fc.uint8Array({ minLength: 0, maxLength: 4 }), {
    maxLength: 40,
    selector: (k) => toHex(k),
  })
  .chain((keys) =>
    fc.tuple(...keys.map((key) => fc.uint8Array({ maxLength: 3 }).map((value) => ({ key, value })))),
  );

describe("the state tree built from sorted leaves", () => {
  for (const [name, hashFn] of [
    ["sha256", sha256],
    ["a hash with 2 leading zero bytes", weak(2)],
  ] as const) {
    it(`has the root and the nodes of applyBatch on an empty tree (${name})`, () => {
      fc.assert(
        fc.property(entriesArb, (entries) => {
          const reference = applyBatch(new MemoryNodeStore(), hashFn, EMPTY_ROOT, entries);
          const ours = built(hashFn, entries);
          expect(toHex(ours.root)).toBe(toHex(reference.root));
          expect([...ours.nodes.keys()].sort()).toEqual([...reference.newNodes.keys()].sort());
          for (const [hash, node] of ours.nodes) expect(node).toEqual(reference.newNodes.get(hash));
          expect(ours.leaves).toBe(entries.length);
        }),
        { numRuns: 100 },
      );
    });
  }

  it("is the empty root with no leaves, and refuses leaves out of order or twice", () => {
    expect(new SortedTreeBuilder(sha256, () => {}).finish()).toEqual(EMPTY_ROOT);
    const [a, b] = [Uint8Array.of(1), Uint8Array.of(2)].sort((x, y) => compareBytes(sha256(x), sha256(y)));
    const builder = new SortedTreeBuilder(sha256, () => {});
    builder.add(b as Uint8Array, Uint8Array.of(0));
    expect(() => builder.add(a as Uint8Array, Uint8Array.of(0))).toThrow(
      expect.objectContaining({ code: "STATE_UNSORTED" }),
    );
    expect(() => builder.add(b as Uint8Array, Uint8Array.of(1))).toThrow(
      expect.objectContaining({ code: "STATE_UNSORTED" }),
    );
  });
});
