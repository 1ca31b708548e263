import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decode, encode } from "../ledger/codec.js";
import { addressOfKey, buildSignedTx, MarketLedgerClient, SdkError, transferOp } from "../sdk/index.js";
import { until } from "../until.test-util.js";
import { type RunningNode, runNode } from "./run.js";
import { snapshotCodec } from "./snapshot.js";
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
    expect((await client.block(snapshotHeight)).header.height).toBe(snapshotHeight.toString());
    // The blocks before it were never fetched: asked for, the node says so.
    const missing = await client.block(snapshotHeight - 1n).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(SdkError);
    await running.stop();
    running = undefined;
    expect(await refusal(restoreSnapshot(home, file()))).toMatch(
      /^SNAPSHOT_NOT_NEW: .*already holds a chain/,
    );
  });

  it("refuses a tampered state, a forged certificate, another chain and a height not committed, writing nothing", async () => {
    const original = readFileSync(file());
    const snapshot = decode(snapshotCodec, original);
    const tampered = (name: string, change: (s: typeof snapshot) => typeof snapshot) => {
      const path = `${file()}.${name}`;
      writeFileSync(path, encode(snapshotCodec, change(structuredClone(snapshot))));
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
      const bytes = Uint8Array.from(s.block);
      bytes[bytes.length - 5] = (bytes[bytes.length - 5] as number) ^ 0xff; // inside the certificate's signature
      s.block = bytes;
      return s;
    });
    expect(await refusal(restoreSnapshot(home, forged))).toMatch(
      /^SNAPSHOT_BAD_CERTIFICATE: snapshot refused: block \d+ is not signed by > 2\/3 of its validators \(bad signature/,
    );
    const otherChain = tampered("chain", (s) => ({ ...s, chainId: "another-chain" }));
    expect(await refusal(restoreSnapshot(home, otherChain))).toMatch(
      /^SNAPSHOT_OTHER_CHAIN: .*another-chain/,
    );
    writeFileSync(`${file()}.junk`, "not a snapshot");
    copies.push(`${file()}.junk`);
    expect(await refusal(restoreSnapshot(home, `${file()}.junk`))).toMatch(/^SNAPSHOT_MALFORMED: /);
    expect(existsSync(join(home, "data"))).toBe(false);
    expect(await refusal(writeSnapshot(solo.home, 10_000n, `${file()}.far`))).toMatch(
      /^SNAPSHOT_NO_HEIGHT: height 10000 is not committed here/,
    );
  });
});
