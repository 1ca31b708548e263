import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { bytesEqual, fromHex, toHex } from "../ledger/bytes.js";
import { decode } from "../ledger/codec.js";
import { EMPTY_ROOT, isEmptyHash, smtNodeCodec } from "../ledger/state/nodes.js";
import { proveAt, verifyStateProof } from "../ledger/state/proof.js";
import { applyBatch, getAt, nodesOnPath, type SmtNodeStore, type StateChange } from "../ledger/state/smt.js";
import { sha256 } from "../ledger/test-suites.test-util.js";
import { ChainStore, type CommitBatch, StorageError, type StoreFault } from "./chain-store.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A store whose `crashMidPrune` fires when the test arms it (halfway through a height's list). */
function openStore() {
  const dir = mkdtempSync(join(tmpdir(), "mkl-prune-"));
  dirs.push(dir);
  const fault = { armed: false, fired: false };
  const faults = {
    fires: (point: StoreFault) => {
      if (point !== "crashMidPrune" || !fault.armed) return false;
      fault.armed = false;
      fault.fired = true;
      return true;
    },
  };
  return { store: ChainStore.open(dir, faults, { staleIndex: true }), fault };
}

/** Every node the tree with this root reaches (hex), read from a store that must hold them all. */
function reach(nodes: SmtNodeStore, root: Uint8Array, into = new Set<string>()): Set<string> {
  const stack = isEmptyHash(root) ? [] : [root];
  while (stack.length > 0) {
    const hash = stack.pop() as Uint8Array;
    if (into.has(toHex(hash))) continue;
    into.add(toHex(hash));
    const bytes = nodes.get(hash);
    if (bytes === undefined) throw new Error(`node ${toHex(hash)} missing`);
    const node = decode(smtNodeCodec, bytes);
    if (node.kind === "inner")
      for (const child of [node.value.left, node.value.right]) if (!isEmptyHash(child)) stack.push(child);
  }
  return into;
}

// Two-byte keys from a small set with few values, so that batches often put a subtree back as
// it was (the same hashes made again after being superseded): the case pruning must not break.
const keyArb = fc.constantFrom(...Array.from({ length: 12 }, (_, i) => new Uint8Array([i, i * 7])));
const changeArb: fc.Arbitrary<StateChange> = fc.record({
  key: keyArb,
  value: fc.option(fc.constantFrom(new Uint8Array([1]), new Uint8Array([2])), { nil: undefined, freq: 3 }),
});
const PINNED_KEY = new Uint8Array([0, 0]);
const stepArb = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("commit" as const),
      changes: fc.array(changeArb, { maxLength: 6 }),
      pin: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("prune" as const),
      keep: fc.integer({ min: 1, max: 4 }),
      batch: fc.integer({ min: 1, max: 8 }),
      crash: fc.boolean(),
    }),
  },
);

describe("pruning superseded state-tree nodes", () => {
  it("keeps every node a retained or pinned root reaches, deletes all the rest, and a crashed batch deletes nothing", () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 24 }), (steps) => {
        const { store, fault } = openStore();
        const nodes: SmtNodeStore = { get: (hash) => store.getStateNode(hash) };
        // The reference: every root and the key/value map of every height, never pruned.
        const roots: Uint8Array[] = [];
        const maps: Map<string, Uint8Array>[] = [];
        const pinnedPaths = new Map<number, string[]>();
        const everMade = new Set<string>();
        let root = EMPTY_ROOT;
        let map = new Map<string, Uint8Array>();
        const commit = (changes: readonly StateChange[], pin: boolean) => {
          const height = BigInt(roots.length);
          const batch = applyBatch(nodes, sha256, root, changes);
          const pinnedNodes = pin
            ? nodesOnPath(
                { get: (h) => batch.newNodes.get(toHex(h)) ?? nodes.get(h) },
                sha256,
                batch.root,
                PINNED_KEY,
              )
            : undefined;
          const commitBatch: CommitBatch = {
            height,
            blockHash: new Uint8Array(32).fill(roots.length % 256),
            blockBytes: new Uint8Array([1]),
            resultsBytes: new Uint8Array([2]),
            txHashes: [],
            stateWrites: [],
            stateNodes: batch.newNodes,
            staleNodes: batch.staleNodes,
            ...(pinnedNodes === undefined ? {} : { pinnedNodes }),
            stateRoot: batch.root,
          };
          store.commit(commitBatch);
          for (const hash of batch.newNodes.keys()) everMade.add(hash);
          if (pinnedNodes !== undefined) pinnedPaths.set(roots.length, pinnedNodes);
          map = new Map(map);
          for (const c of changes)
            if (c.value === undefined) map.delete(toHex(c.key));
            else map.set(toHex(c.key), c.value);
          root = batch.root;
          roots.push(root);
          maps.push(map);
        };
        commit([{ key: PINNED_KEY, value: new Uint8Array([9]) }], true);
        let keepFrom = 0n;
        for (const step of steps) {
          if (step.kind === "commit") {
            commit(step.changes, step.pin);
            continue;
          }
          const head = BigInt(roots.length - 1);
          keepFrom = head - BigInt(step.keep) + 1n > keepFrom ? head - BigInt(step.keep) + 1n : keepFrom;
          if (step.crash) {
            const stored = () => [...everMade].filter((h) => store.getStateNode(fromHex(h)) !== undefined);
            const before = stored();
            const from = store.stateAvailableFrom();
            fault.armed = true;
            fault.fired = false;
            try {
              store.pruneState(keepFrom, step.batch);
            } catch (error) {
              if (!(error instanceof StorageError) || error.code !== "STORE_FAULT_INJECTED") throw error;
            }
            fault.armed = false;
            // A batch that crashed halfway changed nothing; the next one takes it up again.
            if (fault.fired) {
              expect(stored()).toEqual(before);
              expect(store.stateAvailableFrom()).toBe(from);
            }
            continue;
          }
          for (let progress = store.pruneState(keepFrom, step.batch); !progress.done; )
            progress = store.pruneState(keepFrom, step.batch);
          const from = store.stateAvailableFrom();
          expect(from).toBeLessThanOrEqual(keepFrom);
          // Every retained root is whole and proves what the reference says, present or absent.
          const expected = new Set<string>();
          for (let h = Number(from); h < roots.length; h++) {
            const at = roots[h] as Uint8Array;
            reach(nodes, at, expected);
            for (let k = 0; k < 12; k++) {
              const key = new Uint8Array([k, k * 7]);
              const want = (maps[h] as Map<string, Uint8Array>).get(toHex(key));
              expect(getAt(nodes, sha256, at, key)).toEqual(want);
              expect(verifyStateProof(sha256, at, key, want, proveAt(nodes, sha256, at, key))).toBe(true);
            }
          }
          // Pinned paths stay provable at their height, however old.
          for (const [h, path] of pinnedPaths) {
            for (const hash of path) expected.add(hash);
            const at = roots[h] as Uint8Array;
            const want = (maps[h] as Map<string, Uint8Array>).get(toHex(PINNED_KEY));
            expect(
              verifyStateProof(sha256, at, PINNED_KEY, want, proveAt(nodes, sha256, at, PINNED_KEY)),
            ).toBe(true);
          }
          // Nothing else is left: what only pruned roots reached is gone.
          const stored = [...everMade].filter((h) => store.getStateNode(fromHex(h)) !== undefined);
          expect(new Set(stored)).toEqual(expected);
        }
        // The head is always whole.
        reach(nodes, root);
        expect(bytesEqual(store.stateRootAt(BigInt(roots.length - 1)) as Uint8Array, root)).toBe(true);
        void store.close();
      }),
      { numRuns: 40 },
    );
  });
});
