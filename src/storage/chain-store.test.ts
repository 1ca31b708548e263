import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ChainStore } from "./chain-store.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const text = new TextEncoder();

function emptyBatch(height: bigint) {
  return {
    height,
    blockHash: new Uint8Array(32).fill(Number(height)),
    blockBytes: new Uint8Array([1]),
    resultsBytes: new Uint8Array([2]),
    txHashes: [],
    stateWrites: [],
    stateNodes: new Map<string, Uint8Array>(),
    stateRoot: new Uint8Array(32),
  };
}

describe("ChainStore", () => {
  it("commits heights in order only, and lists state under a prefix", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mkl-store-"));
    dirs.push(dir);
    const store = ChainStore.open(dir);
    const batch = (height: bigint, keys: string[]) => ({
      height,
      blockHash: new Uint8Array(32).fill(Number(height)),
      blockBytes: new Uint8Array([1]),
      resultsBytes: new Uint8Array([2]),
      txHashes: [],
      stateWrites: keys.map((k) => ({ key: text.encode(k), value: text.encode(`v:${k}`) })),
      stateNodes: new Map<string, Uint8Array>(),
      stateRoot: new Uint8Array(32),
    });
    store.commit(batch(0n, ["evidence/a", "evidence/b", "evidencf", "evi", "acct/x"]));
    expect(() => store.commit(batch(2n, []))).toThrow(/next is 1/);
    const keys = [...store.stateEntries(text.encode("evidence/"))].map((e) =>
      new TextDecoder().decode(e.key),
    );
    expect(keys).toEqual(["evidence/a", "evidence/b"]);
    expect([...store.stateEntries(text.encode("evidence/"), 1)]).toHaveLength(1);
    expect([...store.stateEntries()]).toHaveLength(5);
    expect([...store.stateEntries(new Uint8Array([0xff, 0xff]))]).toHaveLength(0);
    await store.close();
  });

  it("maps its data file once however far the file grows (each map's pages count in RSS again)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mkl-store-"));
    dirs.push(dir);
    const store = ChainStore.open(dir);
    const dataFile = join(dir, "data.mdb");
    const maps = () =>
      readFileSync("/proc/self/smaps", "utf8")
        .split("\n")
        .filter((line) => /^[0-9a-f]+-[0-9a-f]+ /.test(line) && line.endsWith(` ${dataFile}`)).length;
    // 8 MB of blocks: lmdb-js's own first map (128 KB) would have been outgrown and remapped
    // about six times, each earlier map kept.
    for (let height = 0n; height < 32n; height++)
      store.commit({
        height,
        blockHash: new Uint8Array(32).fill(Number(height)),
        blockBytes: new Uint8Array(256 * 1024).fill(Number(height)),
        resultsBytes: new Uint8Array([2]),
        txHashes: [],
        stateWrites: [],
        stateNodes: new Map<string, Uint8Array>(),
        stateRoot: new Uint8Array(32),
      });
    expect(store.getBlock(31n)?.[0]).toBe(31);
    expect(maps()).toBe(1);
    await store.close();
  });

  it("answers its head from memory only while it is the store's (a failed commit leaves it, a reader never caches)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mkl-store-"));
    dirs.push(dir);
    let crashes = 1;
    const store = ChainStore.open(dir, {
      fires: (point, at) => point === "crashMidCommit" && at === 2n && crashes-- > 0,
    });
    expect(store.head()).toBeUndefined();
    store.commit(emptyBatch(0n));
    expect(store.head()).toBe(0n);
    const reader = ChainStore.openReadOnly(dir);
    expect(reader.head()).toBe(0n);
    store.commit(emptyBatch(1n));
    // lmdb-js renews a reader's snapshot on the next turn of the event loop.
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect([store.head(), reader.head()]).toEqual([1n, 1n]);
    // The injected crash aborts the commit of 2: the head stays at 1, in memory and on disk.
    expect(() => store.commit(emptyBatch(2n))).toThrow(/injected crash/);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect([store.head(), reader.head()]).toEqual([1n, 1n]);
    // Commits together move the head once their transaction is through, or not at all.
    expect(() =>
      store.commitTogether(() => {
        store.commit(emptyBatch(2n));
        expect(store.head()).toBe(2n);
        throw new Error("abort the shared transaction");
      }),
    ).toThrow(/abort/);
    expect(store.head()).toBe(1n);
    store.commitTogether(() => store.commit(emptyBatch(2n)));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect([store.head(), reader.head()]).toEqual([2n, 2n]);
    await reader.close();
    await store.close();
    const reopened = ChainStore.open(dir);
    expect(reopened.head()).toBe(2n);
    await reopened.close();
  });
});
