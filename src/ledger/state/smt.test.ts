import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { concatBytes, type HashFn, toHex } from "../bytes.js";
import { decode, encode } from "../codec.js";
import { CodecError, StateError } from "../errors.js";
import { cryptoSuite, sha256 } from "../test-suites.test-util.js";
import { MemoryNodeStore } from "./memory-store.js";
import { EMPTY_ROOT, smtNodeCodec } from "./nodes.js";
import { proveAt, type StateProof, stateProofCodec, verifyStateProof } from "./proof.js";
import { applyBatch, getAt, type StateChange } from "./smt.js";

// The reference: the root straight from the definition, recomputed over the whole key set.
function bit(path: Uint8Array, i: number): number {
  return (path[i >> 3]! >> (7 - (i % 8))) & 1;
}
function refRoot(hashFn: HashFn, map: Map<string, { key: Uint8Array; value: Uint8Array }>): Uint8Array {
  const items = [...map.values()].map((e) => ({ path: hashFn(e.key), valueHash: hashFn(e.value) }));
  const sub = (depth: number, set: typeof items): Uint8Array => {
    if (set.length === 0) return new Uint8Array(32);
    if (set.length === 1) return hashFn(concatBytes(new Uint8Array([0]), set[0]!.path, set[0]!.valueHash));
    const left = set.filter((e) => bit(e.path, depth) === 0);
    const right = set.filter((e) => bit(e.path, depth) === 1);
    return hashFn(concatBytes(new Uint8Array([1]), sub(depth + 1, left), sub(depth + 1, right)));
  };
  return sub(0, items);
}

const keyArb = fc.uint8Array({ minLength: 0, maxLength: 3 });
const changeArb: fc.Arbitrary<StateChange> = fc.record({
  key: keyArb,
  value: fc.option(fc.uint8Array({ maxLength: 6 }), { nil: undefined }),
});
const batchesArb = fc.array(fc.array(changeArb, { maxLength: 25 }), { minLength: 1, maxLength: 6 });

function applyToMap(map: Map<string, { key: Uint8Array; value: Uint8Array }>, changes: StateChange[]): void {
  for (const c of changes) {
    if (c.value === undefined) map.delete(toHex(c.key));
    else map.set(toHex(c.key), { key: c.key, value: c.value });
  }
}

function commit(
  store: MemoryNodeStore,
  hashFn: HashFn,
  root: Uint8Array,
  changes: StateChange[],
): Uint8Array {
  const r = applyBatch(store, hashFn, root, changes);
  store.putAll(r.newNodes);
  return r.root;
}

describe("sparse Merkle world state", () => {
  it("has the reference root after any sequence of batches, and answers lookups", () => {
    fc.assert(
      fc.property(batchesArb, (batches) => {
        const store = new MemoryNodeStore();
        const map = new Map<string, { key: Uint8Array; value: Uint8Array }>();
        let root = EMPTY_ROOT;
        for (const batch of batches) {
          root = commit(store, sha256, root, batch);
          applyToMap(map, batch);
          expect(toHex(root)).toBe(toHex(refRoot(sha256, map)));
        }
        for (const { key, value } of map.values()) expect(getAt(store, sha256, root, key)).toEqual(value);
        for (const batch of batches) {
          for (const c of batch)
            if (!map.has(toHex(c.key))) expect(getAt(store, sha256, root, c.key)).toBeUndefined();
        }
      }),
      { numRuns: 200 },
    );
  });

  it("gives one root for one final map, whatever the order and batching", () => {
    fc.assert(
      fc.property(fc.array(changeArb, { maxLength: 40 }), fc.nat(), (changes, seed) => {
        const map = new Map<string, { key: Uint8Array; value: Uint8Array }>();
        applyToMap(map, changes);
        const finalChanges = [...map.values()].map((e) => ({ key: e.key, value: e.value }));
        // Same final map built one change at a time, all at once, and shuffled in one batch.
        const storeA = new MemoryNodeStore();
        let a = EMPTY_ROOT;
        for (const c of changes) a = commit(storeA, sha256, a, [c]);
        const b = applyBatch(new MemoryNodeStore(), sha256, EMPTY_ROOT, changes).root;
        const shuffled = finalChanges
          .map((c, i) => ({ c, k: (i * 7919 + seed) % 1009 }))
          .sort((x, y) => x.k - y.k)
          .map((x) => x.c);
        const c = applyBatch(new MemoryNodeStore(), sha256, EMPTY_ROOT, shuffled).root;
        expect(toHex(a)).toBe(toHex(b));
        expect(toHex(b)).toBe(toHex(c));
      }),
      { numRuns: 300 },
    );
  });

  it("lets the last change of a key in a batch win", () => {
    const k = new Uint8Array([1]);
    const store = new MemoryNodeStore();
    const root = commit(store, sha256, EMPTY_ROOT, [
      { key: k, value: new Uint8Array([1]) },
      { key: k, value: undefined },
      { key: k, value: new Uint8Array([3]) },
    ]);
    expect(getAt(store, sha256, root, k)).toEqual(new Uint8Array([3]));
    const gone = commit(store, sha256, root, [
      { key: k, value: new Uint8Array([4]) },
      { key: k, value: undefined },
    ]);
    expect(gone).toEqual(EMPTY_ROOT);
  });

  it("returns to the empty root when every key is deleted", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(keyArb, fc.uint8Array({ maxLength: 4 })), { maxLength: 40 }), (pairs) => {
        const store = new MemoryNodeStore();
        const root = commit(
          store,
          sha256,
          EMPTY_ROOT,
          pairs.map(([key, value]) => ({ key, value })),
        );
        let r = root;
        for (const [key] of pairs) r = commit(store, sha256, r, [{ key, value: undefined }]);
        expect(r).toEqual(EMPTY_ROOT);
        const all = applyBatch(
          store,
          sha256,
          root,
          pairs.map(([key]) => ({ key, value: undefined })),
        );
        expect(all.root).toEqual(EMPTY_ROOT);
      }),
      { numRuns: 200 },
    );
  });

  it("keeps every historical root readable", () => {
    const store = new MemoryNodeStore();
    const k = new TextEncoder().encode("account/alice");
    const roots: Uint8Array[] = [];
    let root = EMPTY_ROOT;
    for (let i = 0; i < 10; i++) {
      root = commit(store, sha256, root, [
        { key: k, value: new Uint8Array([i]) },
        { key: new Uint8Array([i]), value: new Uint8Array([i]) },
      ]);
      roots.push(root);
    }
    roots.forEach((r, i) => {
      expect(getAt(store, sha256, r, k)).toEqual(new Uint8Array([i]));
    });
  });

  it("names as new exactly what the new root adds, and as stale exactly what it no longer reaches (an archive update: the same root, no stale)", () => {
    const reach = (store: MemoryNodeStore, root: Uint8Array): Set<string> => {
      const seen = new Set<string>();
      const stack = root.every((b) => b === 0) ? [] : [root];
      while (stack.length > 0) {
        const hash = stack.pop() as Uint8Array;
        seen.add(toHex(hash));
        const node = decode(smtNodeCodec, store.get(hash) as Uint8Array);
        if (node.kind === "inner")
          for (const child of [node.value.left, node.value.right])
            if (!child.every((b) => b === 0)) stack.push(child);
      }
      return seen;
    };
    // Few keys and values, so that batches often rebuild or bring back a subtree as it was.
    const smallChange = fc.record({
      key: fc.constantFrom(...Array.from({ length: 10 }, (_, i) => new Uint8Array([i]))),
      value: fc.option(fc.constantFrom(new Uint8Array([1]), new Uint8Array([2])), { nil: undefined }),
    });
    fc.assert(
      fc.property(
        fc.array(fc.array(smallChange, { maxLength: 8 }), { minLength: 1, maxLength: 10 }),
        (batches) => {
          const store = new MemoryNodeStore();
          let root: Uint8Array = EMPTY_ROOT;
          for (const batch of batches) {
            const before = reach(store, root);
            const r = applyBatch(store, sha256, root, batch);
            store.putAll(r.newNodes);
            const after = reach(store, r.root);
            expect(new Set(r.newNodes.keys())).toEqual(new Set([...after].filter((h) => !before.has(h))));
            expect(new Set(r.staleNodes)).toEqual(new Set([...before].filter((h) => !after.has(h))));
            expect(r.staleNodes).toHaveLength(new Set(r.staleNodes).size);
            // An archive store's update: the same root, no superseded nodes, and besides the new
            // nodes only ones the old root reached (rebuilt with the same hash).
            const archive = applyBatch(store, sha256, root, batch, { superseded: false });
            expect(archive.root).toEqual(r.root);
            expect(archive.staleNodes).toEqual([]);
            for (const hash of r.newNodes.keys()) expect(archive.newNodes.has(hash)).toBe(true);
            for (const hash of archive.newNodes.keys())
              expect(r.newNodes.has(hash) || before.has(hash)).toBe(true);
            root = r.root;
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("keeps paths short with shortcut leaves", () => {
    const store = new MemoryNodeStore();
    const changes = Array.from({ length: 1024 }, (_, i) => ({
      key: new Uint8Array([i >> 8, i & 0xff]),
      value: new Uint8Array([1]),
    }));
    const root = commit(store, sha256, EMPTY_ROOT, changes);
    let maxDepth = 0;
    for (const c of changes)
      maxDepth = Math.max(maxDepth, proveAt(store, sha256, root, c.key).siblings.length);
    expect(maxDepth).toBeLessThan(40);
  });

  it("refuses oversized keys and values before doing any work", () => {
    const store = new MemoryNodeStore();
    const ok = { key: new Uint8Array([1]), value: new Uint8Array([1]) };
    expect(() =>
      applyBatch(store, sha256, EMPTY_ROOT, [ok, { key: new Uint8Array(1025), value: undefined }]),
    ).toThrow(expect.objectContaining({ code: "STATE_KEY_TOO_LONG" }));
    expect(() =>
      applyBatch(store, sha256, EMPTY_ROOT, [
        ok,
        { key: new Uint8Array(1), value: new Uint8Array(1024 * 1024 + 1) },
      ]),
    ).toThrow(expect.objectContaining({ code: "STATE_VALUE_TOO_LONG" }));
  });

  it("fails with STATE_MISSING_NODE when the store lacks a node", () => {
    const store = new MemoryNodeStore();
    const root = applyBatch(store, sha256, EMPTY_ROOT, [
      { key: new Uint8Array([1]), value: new Uint8Array([1]) },
    ]).root;
    expect(() => getAt(store, sha256, root, new Uint8Array([1]))).toThrow(StateError);
  });
});

describe("state proofs", () => {
  const setup = (pairs: Array<[Uint8Array, Uint8Array]>, hashFn: HashFn = sha256) => {
    const store = new MemoryNodeStore();
    const root = commit(
      store,
      hashFn,
      EMPTY_ROOT,
      pairs.map(([key, value]) => ({ key, value })),
    );
    return { store, root };
  };
  const pairsArb = fc.array(fc.tuple(keyArb, fc.uint8Array({ maxLength: 4 })), { maxLength: 40 });

  it("prove presence and absence, and fail for a wrong value, key or root", () => {
    fc.assert(
      fc.property(pairsArb, fc.array(keyArb, { maxLength: 10 }), (pairs, probes) => {
        const { store, root } = setup(pairs);
        const map = new Map(pairs.map(([k, v]) => [toHex(k), v]));
        const other = applyBatch(store, sha256, root, [
          { key: new Uint8Array([9, 9, 9, 9]), value: new Uint8Array(1) },
        ]).root;
        for (const key of [...pairs.map(([k]) => k), ...probes]) {
          const value = map.get(toHex(key));
          const proof = proveAt(store, sha256, root, key);
          expect(verifyStateProof(sha256, root, key, value, proof)).toBe(true);
          const roundTrip = decode(stateProofCodec, encode(stateProofCodec, proof));
          expect(verifyStateProof(sha256, root, key, value, roundTrip)).toBe(true);
          expect(verifyStateProof(sha256, other, key, value, proof)).toBe(false);
          if (value === undefined) {
            expect(verifyStateProof(sha256, root, key, new Uint8Array(0), proof)).toBe(false);
          } else {
            expect(verifyStateProof(sha256, root, key, undefined, proof)).toBe(false);
            expect(verifyStateProof(sha256, root, key, concatBytes(value, new Uint8Array([0])), proof)).toBe(
              false,
            );
          }
          const otherKey = concatBytes(key, new Uint8Array([0xee, 0xee, 0xee, 0xee]));
          if (value !== undefined) expect(verifyStateProof(sha256, root, otherKey, value, proof)).toBe(false);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("fail when any bit of a sibling or of the end is flipped", () => {
    const pairs: Array<[Uint8Array, Uint8Array]> = Array.from({ length: 50 }, (_, i) => [
      new Uint8Array([i]),
      new Uint8Array([i, i]),
    ]);
    const { store, root } = setup(pairs);
    for (const key of [new Uint8Array([7]), new Uint8Array([200])]) {
      const value = key[0] === 7 ? new Uint8Array([7, 7]) : undefined;
      const proof = proveAt(store, sha256, root, key);
      expect(verifyStateProof(sha256, root, key, value, proof)).toBe(true);
      proof.siblings.forEach((s, i) => {
        for (const b of [0, 100, 255]) {
          const siblings = proof.siblings.slice();
          const t = s.slice();
          t[b >> 3]! ^= 1 << (b & 7);
          siblings[i] = t;
          expect(verifyStateProof(sha256, root, key, value, { ...proof, siblings })).toBe(false);
        }
      });
      expect(
        verifyStateProof(sha256, root, key, value, { ...proof, siblings: proof.siblings.slice(1) }),
      ).toBe(false);
      expect(
        verifyStateProof(sha256, root, key, value, { ...proof, siblings: [...proof.siblings, EMPTY_ROOT] }),
      ).toBe(false);
      if (proof.end.kind === "leaf") {
        const valueHash = proof.end.value.valueHash.slice();
        valueHash[0]! ^= 1;
        const end = { kind: "leaf" as const, value: { ...proof.end.value, valueHash } };
        expect(verifyStateProof(sha256, root, key, value, { ...proof, end })).toBe(false);
      }
    }
  });

  it("refuse an absence proof that ends at a leaf off the key's path", () => {
    const { store, root } = setup([
      [new Uint8Array([1]), new Uint8Array([1])],
      [new Uint8Array([2]), new Uint8Array([2])],
    ]);
    const p1 = proveAt(store, sha256, root, new Uint8Array([1]));
    // An absent key whose path leaves key 1's path above key 1's leaf.
    const path1 = sha256(new Uint8Array([1]));
    let absent = new Uint8Array([3]);
    for (let i = 3; i < 255; i++) {
      absent = new Uint8Array([i]);
      const path = sha256(absent);
      if (p1.siblings.some((_, d) => bit(path, d) !== bit(path1, d))) break;
    }
    expect(verifyStateProof(sha256, root, absent, undefined, proveAt(store, sha256, root, absent))).toBe(
      true,
    );
    expect(verifyStateProof(sha256, root, absent, undefined, p1)).toBe(false);
  });

  it("prove against the empty root", () => {
    const store = new MemoryNodeStore();
    const proof = proveAt(store, sha256, EMPTY_ROOT, new Uint8Array([1]));
    expect(proof).toEqual({ siblings: [], end: { kind: "empty", value: null } });
    expect(verifyStateProof(sha256, EMPTY_ROOT, new Uint8Array([1]), undefined, proof)).toBe(true);
    expect(verifyStateProof(sha256, EMPTY_ROOT, new Uint8Array([1]), new Uint8Array(0), proof)).toBe(false);
  });

  it("work with the SM3 suite of the crypto layer", () => {
    const { hashFn } = cryptoSuite("sm");
    const pairs: Array<[Uint8Array, Uint8Array]> = Array.from({ length: 30 }, (_, i) => [
      new Uint8Array([i, 1]),
      new Uint8Array([i]),
    ]);
    const { store, root } = setup(pairs, hashFn);
    const map = new Map(pairs.map(([k, v]) => [toHex(k), { key: k, value: v }]));
    expect(root).toEqual(refRoot(hashFn, map));
    for (const [k, v] of pairs)
      expect(verifyStateProof(hashFn, root, k, v, proveAt(store, hashFn, root, k))).toBe(true);
  });

  it("have one encoding: decoding random bytes gives a CodecError or re-encodes identically", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (b) => {
        let p: StateProof;
        try {
          p = decode(stateProofCodec, b);
        } catch (e) {
          expect(e).toBeInstanceOf(CodecError);
          return;
        }
        expect(encode(stateProofCodec, p)).toEqual(b);
      }),
      { numRuns: 3000 },
    );
    // depth 1, bitmap with padding bit set
    expect(() => decode(stateProofCodec, new Uint8Array([0, 1, 0x40, 0]))).toThrow(CodecError);
    // depth 1, sibling marked non-empty but all zeros
    expect(() =>
      decode(stateProofCodec, concatBytes(new Uint8Array([0, 1, 0x80]), new Uint8Array(33))),
    ).toThrow(CodecError);
    // depth 257
    expect(() => decode(stateProofCodec, new Uint8Array([1, 1]))).toThrow(CodecError);
  });
});
