import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { faultsAt } from "../faults.js";
import { ChainStore, type CommitBatch, type StoreFault } from "./chain-store.js";
import { MemoryStore } from "./memory-store.js";
import type { ChainStorage } from "./storage.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const text = new TextEncoder();
const crashAt = (height: bigint) => faultsAt(new Map<StoreFault, bigint>([["crashMidCommit", height]]));

function batch(height: bigint, keys: string[], deleted: string[] = []): CommitBatch {
  return {
    height,
    blockHash: new Uint8Array(32).fill(Number(height)),
    blockBytes: new Uint8Array([1, Number(height)]),
    resultsBytes: new Uint8Array([2]),
    txHashes: [new Uint8Array(32).fill(100 + Number(height))],
    stateWrites: [
      ...keys.map((k) => ({ key: text.encode(k), value: text.encode(`v${height}:${k}`) })),
      ...deleted.map((k) => ({ key: text.encode(k), value: undefined })),
    ],
    stateNodes: new Map([[`0${height}`, new Uint8Array([Number(height)])]]),
    stateRoot: new Uint8Array(32).fill(200 + Number(height)),
  };
}

/** What both stores must do alike: the memory store stands in for LMDB in the engine simulator. */
function contract(name: string, open: (crashHeight?: bigint) => ChainStorage) {
  describe(name, () => {
    it("commits heights in order, reads back copies, lists and deletes state", async () => {
      const store = open();
      store.commit(batch(0n, ["acct/x", "evidence/a", "evidence/b", "evi"]));
      store.commit(batch(1n, ["evidence/c"], ["acct/x"]));
      expect(() => store.commit(batch(3n, []))).toThrow(/next is 2/);
      expect(store.head()).toBe(1n);
      expect(store.getBlock(1n)).toEqual(new Uint8Array([1, 1]));
      expect(store.heightOfBlock(new Uint8Array(32).fill(1))).toBe(1n);
      expect(store.locateTx(new Uint8Array(32).fill(101))).toEqual({ height: 1n, index: 0 });
      expect(store.getState(text.encode("acct/x"))).toBeUndefined();
      expect(store.stateRootAt(0n)).toEqual(new Uint8Array(32).fill(200));
      const keys = [...store.stateEntries(text.encode("evidence/"))].map((e) =>
        new TextDecoder().decode(e.key),
      );
      expect(keys).toEqual(["evidence/a", "evidence/b", "evidence/c"]);
      expect([...store.stateEntries(undefined, 2)]).toHaveLength(2);
      const read = store.getBlock(0n) as Uint8Array;
      read[0] = 9;
      expect(store.getBlock(0n)).toEqual(new Uint8Array([1, 0]));
      await store.close();
    });
  });
}

contract("MemoryStore", () => new MemoryStore());
contract("ChainStore (LMDB)", () => {
  const dir = mkdtempSync(join(tmpdir(), "mkl-store-"));
  dirs.push(dir);
  return ChainStore.open(dir);
});

describe("an injected crash halfway through a commit", () => {
  it("leaves the previous height whole in memory and in LMDB", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mkl-store-"));
    dirs.push(dir);
    for (const store of [new MemoryStore(crashAt(1n)), ChainStore.open(dir, crashAt(1n))]) {
      store.commit(batch(0n, ["a"]));
      expect(() => store.commit(batch(1n, ["b"], ["a"]))).toThrow(/injected crash/);
      expect(store.head()).toBe(0n);
      expect(store.getState(text.encode("a"))).toEqual(text.encode("v0:a"));
      expect(store.getState(text.encode("b"))).toBeUndefined();
      expect(store.getBlock(1n)).toBeUndefined();
      expect(store.getStateNode(new Uint8Array([0x01]))).toBeUndefined();
      await store.close();
    }
  });
});
