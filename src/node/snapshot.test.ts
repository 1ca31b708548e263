import { cpSync, existsSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { genesisSchema } from "../app/genesis.js";
import { getSuite } from "../crypto/index.js";
import { type CommitCertificate, decodeBlock } from "../ledger/block.js";
import { addressOfKey, buildSignedTx, MarketLedgerClient, SdkError, transferOp } from "../sdk/index.js";
import { ChainStore, type RestoreBatch } from "../storage/chain-store.js";
import { until } from "../until.test-util.js";
import { Chain } from "./chain.js";
import { loadNodeConfig, parseWith } from "./config.js";
import { type RunningNode, runNode } from "./run.js";
import { snapshotState, verifySnapshot } from "./snapshot.js";
import { rewriteSnapshot } from "./snapshot-file.test-util.js";
import { restoreSnapshot, writeSnapshot } from "./snapshot-home.js";
import { type SoloTestHome, soloTestHome } from "./solo-home.test-util.js";

/**
 * A snapshot of a running single validator, restored into a copy of its home: the copy goes on
 * from the snapshot's height with the same state; tampered snapshots are refused and change nothing.
 */
let solo: SoloTestHome;
let running: RunningNode | undefined;
let snapshotHeight: bigint;
const file = () => join(solo.home, "..", `${solo.home.split("/").at(-1)}.snapshot`);
const copyHome = (name: string) => {
  const home = `${solo.home}-${name}`;
  cpSync(solo.home, home, { recursive: true, filter: (path) => !path.startsWith(join(solo.home, "data")) });
  return home;
};
const copies: string[] = [];

/** Waits until the node's height passes `height`. */
const pastHeight = (client: MarketLedgerClient, height: bigint) =>
  until(async () => BigInt((await client.status()).height) > height, 20_000, `a height past ${height}`);

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return `${(error as { code?: string }).code}: ${(error as Error).message}`;
  }
  throw new Error("expected a refusal");
}

beforeAll(async () => {
  solo = soloTestHome(
    "snapshot",
    { moniker: "snap", api: { host: "127.0.0.1", port: 0 }, emptyBlockIntervalMs: 50 },
    "ed25519",
  );
  running = await runNode(solo.home, pino({ level: "silent" }));
  const client = new MarketLedgerClient(running.apiUrl);
  const suite = running.node.suite;
  await pastHeight(client, 2n); // so that blocks 1..H-1 exist to be left out
  const tx = buildSignedTx(
    suite,
    solo.alice,
    { chainId: "snapshot-test", nonce: 0n, expiryHeight: 1_000n },
    transferOp(addressOfKey(suite, solo.bob.publicKey.bytes), 300n, "before the snapshot"),
  );
  snapshotHeight = BigInt((await client.waitForTx(await client.submitTx(tx.bytes))).height);
  // Taken while the node runs and after it has gone past the height.
  await pastHeight(client, snapshotHeight + 2n);
  await writeSnapshot(solo.home, snapshotHeight, file());
  await running.stop();
  running = undefined;
}, 60_000);

afterAll(async () => {
  await running?.stop();
  for (const home of copies) rmSync(home, { recursive: true, force: true });
  rmSync(file(), { force: true });
  solo?.remove();
});

describe("state snapshots", () => {
  it("restores a new node at the snapshot's height, which goes on from there with the same state", async () => {
    const home = copyHome("restored");
    copies.push(home);
    expect(await restoreSnapshot(home, file())).toMatchObject({ height: snapshotHeight });
    running = await runNode(home, pino({ level: "silent" }));
    const client = new MarketLedgerClient(running.apiUrl);
    await pastHeight(client, snapshotHeight + 1n);
    const bob = await client.account(addressOfKey(running.node.suite, solo.bob.publicKey.bytes));
    expect(bob.balanceFen).toBe(300n);
    // A lone validator has no peer to backfill from: the blocks below stay missing, and say so.
    const missing = await client.block(snapshotHeight - 1n).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(SdkError);
    expect(missing).toMatchObject({ code: "BLOCK_NOT_YET_BACKFILLED", status: 404 });
    expect((missing as Error).message).toContain(`it holds every block from ${snapshotHeight + 1n} on`);
    // The snapshot's own block is held, but not its results, until backfill.
    expect(await client.block(snapshotHeight).catch((error: unknown) => error)).toMatchObject({
      code: "BLOCK_NOT_YET_BACKFILLED",
    });
    expect((await client.block(snapshotHeight + 1n)).header.height).toBe((snapshotHeight + 1n).toString());
    expect((await client.status()).history).toEqual({
      lowestHeight: (snapshotHeight + 1n).toString(),
      complete: false,
    });
    expect(
      await client.state(new TextEncoder().encode("params"), snapshotHeight - 1n).catch((e: unknown) => e),
    ).toMatchObject({
      code: "STATE_NOT_HELD",
    });
    await running.stop();
    running = undefined;
    expect(await refusal(restoreSnapshot(home, file()))).toMatch(
      /^SNAPSHOT_NOT_NEW: .*already holds a chain/,
    );
  });

  it("refuses a tampered state, a forged certificate, another chain and a height not committed, writing nothing", async () => {
    const tampered = (name: string, change: Parameters<typeof rewriteSnapshot>[2]) => {
      const path = rewriteSnapshot(file(), `${file()}.${name}`, change);
      copies.push(path);
      return path;
    };
    const home = copyHome("refusing");
    copies.push(home);
    const richer = tampered("state", (s) => {
      const entry = s.entries[0] as (typeof s.entries)[number];
      entry.value = Uint8Array.from([...entry.value, 1]);
      return s;
    });
    expect(await refusal(restoreSnapshot(home, richer))).toMatch(
      /^SNAPSHOT_STATE_MISMATCH: snapshot refused: its \d+ entries hash to state root [0-9a-f]{16}…, block \d+ certifies/,
    );
    const forged = tampered("commit", (s) => {
      const bytes = Uint8Array.from(s.header.block);
      bytes[bytes.length - 5] = (bytes[bytes.length - 5] as number) ^ 0xff; // inside the certificate's signature
      s.header.block = bytes;
      return s;
    });
    expect(await refusal(restoreSnapshot(home, forged))).toMatch(
      /^SNAPSHOT_BAD_CERTIFICATE: snapshot refused: block \d+ is not signed by > 2\/3 of its validators \(bad signature/,
    );
    const otherChain = tampered("chain", (s) => ({
      ...s,
      header: { ...s.header, chainId: "another-chain" },
    }));
    expect(await refusal(restoreSnapshot(home, otherChain))).toMatch(
      /^SNAPSHOT_OTHER_CHAIN: .*another-chain/,
    );
    // A validator-set change taken from another chain (validators may reuse their keys there).
    const spliced = tampered("spliced-change", (s) => {
      const block = decodeBlock(s.header.block);
      const announced = {
        header: { ...block.header, chainId: "another-chain", height: 1n },
        commit: block.commit as CommitCertificate,
      };
      return { ...s, header: { ...s.header, setChanges: [{ announced, validators: [] }] } };
    });
    expect(await refusal(restoreSnapshot(home, spliced))).toMatch(
      /^SNAPSHOT_OTHER_CHAIN: .*change at height 1 is of chain another-chain/,
    );
    const swapped = tampered("order", (s) => ({ ...s, entries: [...s.entries].reverse() }));
    expect(await refusal(restoreSnapshot(home, swapped))).toMatch(
      /^SNAPSHOT_MALFORMED: snapshot refused: entry 1 is out of order or repeated/,
    );
    const cut = tampered("cut", (s) => s);
    truncateSync(cut, readFileSync(cut).length - 3);
    expect(await refusal(restoreSnapshot(home, cut))).toMatch(/^SNAPSHOT_MALFORMED: .*ends early/);
    const longer = tampered("longer", (s) => s);
    writeFileSync(longer, Buffer.concat([readFileSync(longer), Buffer.of(0)]));
    expect(await refusal(restoreSnapshot(home, longer))).toMatch(
      /^SNAPSHOT_MALFORMED: .*follow its last entry/,
    );
    writeFileSync(`${file()}.junk`, "not a snapshot");
    copies.push(`${file()}.junk`);
    expect(await refusal(restoreSnapshot(home, `${file()}.junk`))).toMatch(/^SNAPSHOT_MALFORMED: /);
    expect(existsSync(join(home, "data"))).toBe(false);
    expect(await refusal(writeSnapshot(solo.home, 10_000n, `${file()}.far`))).toMatch(
      /^SNAPSHOT_NO_HEIGHT: height 10000 is not committed here/,
    );
  });

  it("takes up a restore that stopped halfway; until then the store refuses to serve", async () => {
    const home = copyHome("interrupted");
    copies.push(home);
    const config = loadNodeConfig(home);
    const genesis = parseWith(
      genesisSchema,
      JSON.parse(readFileSync(join(home, "genesis.json"), "utf8")),
      "genesis",
    );
    const suite = getSuite(genesis.suite);
    const verified = verifySnapshot(file(), suite, genesis);
    expect(verified.entries).toBeGreaterThan(2);
    const store = ChainStore.open(config.dataDir);
    Chain.open(store, suite, genesis);
    // One entry a batch; the second batch never comes (a crash, a full disk).
    function* halfway() {
      const batches = snapshotState(file(), suite, verified, 1);
      yield batches.next().value as RestoreBatch;
      throw new Error("stopped");
    }
    expect(() => store.restore(verified, halfway())).toThrow("stopped");
    expect(() => store.head()).toThrow(expect.objectContaining({ code: "STORE_RESTORE_INCOMPLETE" }));
    await store.close();
    expect(await restoreSnapshot(home, file())).toEqual({
      height: snapshotHeight,
      entries: verified.entries,
    });
    const reopened = ChainStore.open(config.dataDir);
    expect(reopened.head()).toBe(snapshotHeight);
    expect(reopened.stateRootAt(snapshotHeight)).toEqual(verified.stateRoot);
    expect([...reopened.stateEntries()]).toHaveLength(verified.entries);
    await reopened.close();
  });
});
