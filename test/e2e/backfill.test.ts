import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initNetwork } from "../../src/cli/commands/network.js";
import { getSuite } from "../../src/crypto/index.js";
import type { KeyPair } from "../../src/crypto/suite.js";
import { blockHash, decodeBlock, toHex } from "../../src/ledger/index.js";
import { addObserver } from "../../src/ops/network/grow.js";
import { type NodeProcessInfo, nodeHomes, stopChild } from "../../src/ops/network-up.js";
import { freePort, wirePeers } from "../../src/ops/peers.js";
import {
  addressOfKey,
  buildSignedTx,
  MarketLedgerClient,
  SdkError,
  transferOp,
} from "../../src/sdk/index.js";
import { ChainStore } from "../../src/storage/chain-store.js";
import { runMklNode, startNode, until, writeTestConfig } from "./harness.js";

/**
 * Backfill with real processes on loopback. node1, the one validator, makes a chain of a few
 * hundred blocks with transfers; node2 is restored from node1's snapshot at SNAPSHOT and fetches
 * the blocks below it from node1, and is SIGKILLed halfway through a write (testFaults) and
 * restarted; then node3, a new node whose only peer is node2, syncs from genesis through node2
 * alone and must reach node1's block hashes and state root.
 */
const suite = getSuite("ed25519");
const CHAIN = "backfill-e2e";
const SNAPSHOT = 100n;
/** Backfill writes 32 blocks an answer: 100 (its results) down to 69, then 68..37, which holds this one. */
const CRASH_AT = 60;
let tempRoot: string;
let homes: string[];
const processes = new Map<string, NodeProcessInfo>();
const logs = new Map<string, string[]>();

const start = (home: string) => {
  const lines: string[] = [];
  logs.set(home, lines);
  processes.set(
    home,
    startNode(home, { MKL_LOG_LEVEL: "info" }, (line) => lines.push(line)),
  );
};
const client = async (home: string) =>
  new MarketLedgerClient(await (processes.get(home) as NodeProcessInfo).apiUrl, { timeoutMs: 10_000 });
const height = async (home: string) => BigInt((await (await client(home)).status()).height);
const keyOf = (path: string): KeyPair => {
  const privateKey = suite.privateKeyFromPem(readFileSync(path, "utf8"));
  return { privateKey, publicKey: suite.publicKeyOf(privateKey) };
};
const config = (home: string) =>
  JSON.parse(readFileSync(join(home, "config.json"), "utf8")) as Record<string, unknown>;
const rewriteConfig = (home: string, change: (c: Record<string, unknown>) => Record<string, unknown>) =>
  writeFileSync(join(home, "config.json"), JSON.stringify(change(config(home))));
const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => "answered",
    (error: unknown) => (error instanceof SdkError ? error.code : String(error)),
  );

beforeAll(async () => {
  tempRoot = mkdtempSync(join(tmpdir(), "mkl-backfill-"));
  const dir = join(tempRoot, "net");
  initNetwork({ orgs: "1", out: dir, suite: "ed25519", chainId: CHAIN, days: "30" }, () => {});
  addObserver(dir, "org1", undefined);
  addObserver(dir, "org1", undefined);
  homes = nodeHomes(dir);
  wirePeers(dir, { p2pPorts: await Promise.all(homes.map(() => freePort())) });
  for (const home of homes) writeTestConfig(home, { emptyBlockIntervalMs: 50 });
  // node3 knows only node2, and node1 does not know node3: node3 can get blocks from node2 alone.
  const [node1, node2, node3] = homes as [string, string, string];
  const idOf = (home: string) =>
    Buffer.from(keyOf(join(home, "node.key.pem")).publicKey.bytes).toString("hex");
  const only = (home: string, keep: (id: string) => boolean) =>
    rewriteConfig(home, (c) => ({
      ...c,
      peers: (c.peers as Array<{ id: string }>).filter((p) => keep(p.id)),
    }));
  only(node1, (id) => id !== idOf(node3));
  only(node3, (id) => id === idOf(node2));
  start(node1);
  // Transfers in the blocks below the snapshot: their results and lookups must come through backfill.
  const operator = keyOf(join(dir, "operator", "operator.key.pem"));
  const to = addressOfKey(suite, operator.publicKey.bytes);
  const c1 = await client(node1);
  const hashes: string[] = [];
  for (let nonce = 0n; nonce < 6n; nonce++) {
    const tx = buildSignedTx(
      suite,
      operator,
      { chainId: CHAIN, nonce, expiryHeight: 10_000n },
      transferOp(to, 1n),
    );
    hashes.push(await c1.submitTx(tx.bytes));
    await c1.waitForTx(hashes.at(-1) as string, { timeoutMs: 30_000, pollMs: 20 });
  }
  writeFileSync(join(tempRoot, "txs.json"), JSON.stringify(hashes));
  await until(async () => (await height(node1)) > SNAPSHOT + 10n, 120_000, "node1 past the snapshot height");
}, 180_000);

afterAll(async () => {
  await Promise.all([...processes.values()].map((p) => stopChild(p.child)));
  if (tempRoot !== undefined && !process.env.MKL_KEEP_TEST_DIR)
    rmSync(tempRoot, { recursive: true, force: true });
});

describe("backfill below a restored node's snapshot", () => {
  it("restores node2, which fetches the blocks below its snapshot, survives SIGKILL mid-write, then serves them to a new node", async () => {
    const [node1, node2, node3] = homes as [string, string, string];
    const file = join(tempRoot, "snapshot.bin");
    const written = await runMklNode(
      "snapshot",
      "--home",
      node1,
      "--height",
      SNAPSHOT.toString(),
      "--out",
      file,
    );
    expect(written.stderr).toBe("");
    const restored = await runMklNode("restore", "--home", node2, "--snapshot", file);
    expect(restored.stderr).toBe("");
    expect(restored.stdout).toContain(`restored height ${SNAPSHOT}`);

    // First run: killed (SIGKILL, by itself) halfway through the backfill write that holds CRASH_AT.
    rewriteConfig(node2, (c) => ({ ...c, testFaults: { crashMidBackfillAtHeight: CRASH_AT } }));
    start(node2);
    const first = (processes.get(node2) as NodeProcessInfo).child;
    // "close", not "exit": by then every line it logged has been read from its pipes.
    const [, signal] = (await once(first, "close")) as [number | null, string | null];
    expect(signal).toBe("SIGKILL");
    // The store, not the log, says the first answer was written: the node's logger writes
    // asynchronously, so a line logged just before the self-inflicted SIGKILL can be lost (it
    // was once in CI, on a loaded machine). The answer written before is whole; the one being
    // written is not there at all.
    const store = ChainStore.openReadOnly(join(node2, "data"));
    try {
      expect(store.historyFrom()).toBe(SNAPSHOT - 31n);
      expect(store.getBlock(SNAPSHOT - 32n)).toBeUndefined();
      expect(store.getResults(SNAPSHOT)).toBeDefined();
    } finally {
      await store.close();
    }

    rewriteConfig(node2, (c) => ({ ...c, testFaults: undefined }));
    start(node2);
    const c2 = await client(node2);
    await until(
      async () => (await c2.status()).history?.complete === true,
      120_000,
      "node2 backfills to block 1",
    );
    const status = await c2.status();
    expect(status.history).toEqual({ lowestHeight: "1", complete: true });
    expect(status.figures.mkl_history_lowest_height).toBe(1);
    const c1 = await client(node1);
    for (const h of [1n, 2n, BigInt(CRASH_AT), SNAPSHOT - 1n, SNAPSHOT]) {
      const [ours, theirs] = await Promise.all([c2.block(h), c1.block(h)]);
      expect(ours).toEqual(theirs);
    }
    // A transfer below the snapshot: found with its result and proof, as on node1.
    const [early] = JSON.parse(readFileSync(join(tempRoot, "txs.json"), "utf8")) as string[];
    expect(await c2.tx(early as string)).toEqual(await c1.tx(early as string));
    // The state below the snapshot is not here: a typed refusal, not a crash.
    expect(await codeOf(c2.state(new TextEncoder().encode("params"), 5n))).toBe("STATE_NOT_HELD");

    // node1 stops (the chain with it), and node3 syncs from genesis with node2 as its only peer.
    await stopChild((processes.get(node1) as NodeProcessInfo).child);
    processes.delete(node1);
    const target = await height(node2);
    start(node3);
    await until(async () => (await height(node3)) >= target, 120_000, "node3 syncs through node2");
    const c3 = await client(node3);
    const origin = ChainStore.openReadOnly(join(node1, "data"));
    try {
      for (const h of [1n, BigInt(CRASH_AT), SNAPSHOT - 1n, SNAPSHOT, target]) {
        const fresh = await c3.block(h);
        const theirs = decodeBlock(origin.getBlock(h) as Uint8Array).header;
        expect([h, fresh.hash]).toEqual([h, toHex(blockHash(suite, theirs))]);
        expect(fresh.header.stateRoot).toBe(toHex(theirs.stateRoot));
      }
    } finally {
      await origin.close();
    }
    const peers = (await c3.status()).peers.filter((p) => p.connected).map((p) => p.id);
    expect(peers).toEqual([(await c2.status()).consensus.nodeId]);
  }, 240_000);
});
