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
});
