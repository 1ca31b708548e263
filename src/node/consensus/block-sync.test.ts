import { describe, expect, it } from "vitest";
import { txCodecs } from "../../app/executor.js";
import { getSuite } from "../../crypto/index.js";
import { type Block, encodeBlock } from "../../ledger/block.js";
import { commitSignatureChecks } from "../../ledger/commit.js";
import { encodeSignedTx, signTx, txHash } from "../../ledger/tx.js";
import { transferOp } from "../../sdk/transactions.js";
import { until } from "../../until.test-util.js";
import type { Chain } from "../chain.js";
import { VerifiedTxs } from "../verified-txs.js";
import { VerifyPool } from "../verify/pool.js";
import { BlockSync } from "./block-sync.js";
import {
  certify,
  growChain,
  manualTime,
  newChain,
  recordingNetwork,
  refusalsFor,
  validators,
} from "./engine-kit.test-util.js";
import { VerifyAhead } from "./verify-ahead.js";
import { decodePeerMessage } from "./wire.js";

/** A chain `height` blocks ahead and an empty one syncing from it (through `pool`, if given). */
function setup(height = 5, pool?: VerifyPool) {
  const ahead = newChain();
  growChain(ahead, height);
  const behind = newChain();
  growChain(behind, 0);
  const time = manualTime();
  const { network, sent } = recordingNetwork();
  const { refusals, refused } = refusalsFor(time.clock);
  const applied: bigint[] = [];
  const groups: number[] = [];
  const sync = new BlockSync({
    chain: behind,
    network,
    clock: time.clock,
    refusals,
    onApplied: (blocks) => applied.push(...blocks.map(({ block }) => block.header.height)),
    ...(pool === undefined
      ? {}
      : {
          ahead: {
            pool,
            applied: (_: string, count: number) => groups.push(count),
            running: () => true,
            failed: (e: unknown) => {
              throw e;
            },
          },
        }),
  });
  return { ahead, behind, time, sent, refused, applied, groups, sync };
}

const blocksOf = (chain: ReturnType<typeof newChain>, from: bigint, to: bigint) => {
  const out: Uint8Array[] = [];
  for (let h = from; h <= to; h++) out.push(chain.store.getBlock(h) as Uint8Array);
  return out;
};

describe("BlockSync", () => {
  it("asks a peer that is ahead, once per retry interval, and answers requests from its store", () => {
    const { ahead, time, sent, sync } = setup();
    sync.onStatus("p1", 5n);
    sync.onStatus("p1", 5n);
    expect(sent).toHaveLength(1);
    expect(decodePeerMessage((sent[0] as { data: Uint8Array }).data)).toEqual({
      kind: "blocksRequest",
      value: { fromHeight: 1n, max: 64 },
    });
    time.advance(2_000);
    sync.maybeRequest();
    expect(sent).toHaveLength(2);
    const answers = recordingNetwork();
    const answering = new BlockSync({
      chain: ahead,
      network: answers.network,
      clock: time.clock,
      refusals: refusalsFor(time.clock).refusals,
      onApplied: () => {},
    });
    answering.answer("p9", 4n, 10);
    expect(answers.sent.map((s) => [s.to, decodePeerMessage(s.data)])).toEqual([
      ["p9", { kind: "blocks", value: blocksOf(ahead, 4n, 5n) }],
    ]);
  });

  it("asks again at once when the wall clock was stepped back (the soak's clock skew found it waiting ten minutes)", () => {
    const { time, sent, sync } = setup();
    sync.onStatus("p1", 5n);
    expect(sent).toHaveLength(1);
    time.advance(-591_000);
    sync.maybeRequest();
    expect(sent).toHaveLength(2);
    sync.maybeRequest();
    expect(sent).toHaveLength(2); // and then once per interval again, from the new time
  });

  it("applies blocks whose certificates verify, and stores the peer's certificate for the block it had", () => {
    const { ahead, behind, applied, sync } = setup();
    expect(sync.apply("p1", blocksOf(ahead, 1n, 2n))).toBe(2);
    // Block 3 committed here with other precommits (three of four) than the peer holds.
    const third = ahead.blockAt(3n) as Block;
    behind.commit(
      behind.executeBlock(third.header, third.txs, third.lastCommit),
      certify(third, validators.slice(0, 3)),
    );
    expect(behind.store.getBlock(3n)).not.toEqual(ahead.store.getBlock(3n));
    expect(sync.apply("p1", blocksOf(ahead, 3n, 5n))).toBe(2);
    expect(applied).toEqual([1n, 2n, 4n, 5n]);
    // Every node stores the same certificate for a block once the next one is on top of it.
    expect(behind.store.getBlock(3n)).toEqual(ahead.store.getBlock(3n));
  });

  it("refuses a block without a valid certificate and stops there, and asks the other peers in turn", () => {
    const { ahead, behind, refused, sync, sent, time } = setup();
    const [first, second] = blocksOf(ahead, 1n, 2n) as [Uint8Array, Uint8Array];
    const second2 = ahead.blockAt(2n);
    const weak = encodeBlock(certify({ ...second2!, commit: undefined }, validators.slice(0, 2)));
    expect(sync.apply("bad", [first, weak, second])).toBe(1);
    expect(behind.height).toBe(1n);
    expect(refused).toEqual([{ peer: "bad", reason: "refused a synced block" }]);
    sync.onStatus("bad", 9n);
    sync.onStatus("good", 9n);
    time.advance(2_000);
    sync.maybeRequest();
    expect(new Set(sent.map((s) => s.to))).toEqual(new Set(["bad", "good"]));
  });

  it("with a verification pool, asks for the next batch at once and applies the blocks in order as their checks come back", async () => {
    // The simulated suite is verified on the caller's thread: this case is about the order.
    const pool = new VerifyPool({ suite: newChain().suite, workers: 0 });
    const { ahead, behind, sent, refused, applied, groups, sync } = setup(8, pool);
    const requests = () =>
      sent
        .map((s) => decodePeerMessage(s.data))
        .filter((m) => m.kind === "blocksRequest")
        .map((m) => m.value);
    sync.onStatus("p1", 8n);
    expect(requests()).toEqual([{ fromHeight: 1n, max: 64 }]);
    // The answer to a request asked again overlaps: what is held or waiting already is skipped.
    sync.receive("p1", blocksOf(ahead, 1n, 3n));
    sync.receive("p1", blocksOf(ahead, 2n, 5n));
    // Asked past the blocks waiting, before any of them was applied.
    expect(requests()).toEqual([
      { fromHeight: 1n, max: 64 },
      { fromHeight: 4n, max: 64 },
      { fromHeight: 6n, max: 64 },
    ]);
    expect(behind.height).toBe(0n);
    await until(() => behind.height === 5n);
    // A bad certificate at 7: 6 is applied, 7 refused, 8 dropped with it.
    const seventh = ahead.blockAt(7n) as Block;
    const weak = encodeBlock(certify({ ...seventh, commit: undefined }, validators.slice(0, 2)));
    sync.receive("p2", [...blocksOf(ahead, 6n, 6n), weak, ...blocksOf(ahead, 8n, 8n)]);
    await until(() => refused.length > 0);
    expect(behind.height).toBe(6n);
    expect(refused).toEqual([{ peer: "p2", reason: "refused a synced block" }]);
    sync.receive("p1", blocksOf(ahead, 7n, 8n));
    await until(() => behind.height === 8n);
    expect(applied).toEqual([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n]);
    expect(groups.reduce((a, b) => a + b)).toBe(8);
    expect(behind.latestBlock().header).toEqual(ahead.blockAt(8n)?.header);
    await pool.close();
  });

  it("verifies synced blocks' transaction and certificate signatures in the workers and vouches for exactly those that verify", async () => {
    const p256 = getSuite("ecdsa-p256");
    const key = p256.generateKeyPair();
    const signed = (nonce: bigint) =>
      encodeSignedTx(
        signTx(
          p256,
          key.privateKey,
          {
            chainId: "c",
            sender: key.publicKey.bytes,
            nonce,
            expiryHeight: 9n,
            op: transferOp(new Uint8Array(20), 1n),
          },
          txCodecs,
        ),
        txCodecs,
      );
    const txs = Array.from({ length: 12 }, (_, i) => signed(BigInt(i)));
    const forged = Uint8Array.from(txs[5] as Uint8Array);
    forged[forged.length - 3] = (forged[forged.length - 3] as number) ^ 1; // a signature byte
    txs[5] = forged;
    txs.push(new Uint8Array([1, 2])); // does not decode: vouched for by nobody
    const template = newChain();
    growChain(template, 1);
    const unsigned = { ...(template.blockAt(1n) as Block), txs };
    // A certificate of three p256 precommits over the messages verifyCommit checks, one forged.
    const entries = [0n, 1n, 2n].map((t) => ({
      validator: key.publicKey.bytes,
      timestampMs: t,
      signature: new Uint8Array(0),
    }));
    const commit = { height: 1n, round: 0, blockHash: new Uint8Array(32), signatures: entries };
    for (const check of commitSignatureChecks(p256, unsigned.header, commit))
      check.entry.signature = p256.sign(key.privateKey, check.message);
    const badEntry = entries[1] as (typeof entries)[number];
    badEntry.signature = Uint8Array.from(badEntry.signature);
    badEntry.signature[10] = (badEntry.signature[10] as number) ^ 1;
    const block: Block = { ...unsigned, commit };
    // VerifyAhead needs only the chain's suite and its record of verified transactions.
    const chain = { suite: p256, verifiedTxs: new VerifiedTxs() } as unknown as Chain;
    const where: string[] = [];
    const pool = new VerifyPool({
      suite: p256,
      workers: 1,
      minBatch: 1,
      startBatch: 1,
      onVerified: (w) => where.push(w),
    });
    let checked = 0;
    const ahead = new VerifyAhead(
      chain,
      pool,
      () => checked++,
      (e) => {
        throw e;
      },
    );
    try {
      ahead.add([block]);
      expect(ahead.checked(block)).toBe(false);
      await until(() => checked === 1);
    } finally {
      await pool.close();
    }
    expect(ahead.checked(block)).toBe(true);
    expect(txs.map((tx) => chain.verifiedTxs.admitted(tx)?.hash)).toEqual(
      txs.map((tx, i) => (i === 5 || i === 12 ? undefined : txHash(p256, tx))),
    );
    expect(entries.map(ahead.verified)).toEqual([true, false, true]);
    expect(where).toEqual(["worker"]);
  });
});
