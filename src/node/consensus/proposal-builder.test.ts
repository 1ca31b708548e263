import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { addressOf } from "../../app/address.js";
import type { Value } from "../../consensus/index.js";
import { toHex } from "../../ledger/bytes.js";
import { growChain, manualTime, newChain, newMempool, suite, validators } from "./engine-kit.test-util.js";
import { PreparedBlocks } from "./prepared-blocks.js";
import { ProposalBuilder } from "./proposal-builder.js";
import { clientKey, signedTx, transfer } from "./sim/fixture.js";
import { decodeProposalPayload } from "./wire.js";

function setup(hasEndBlockWork?: () => boolean) {
  const chain = newChain();
  growChain(chain, 1);
  const mempool = newMempool();
  const time = manualTime();
  const values: { height: number; round: number; value: Value }[] = [];
  const prepared = new PreparedBlocks();
  const builder = new ProposalBuilder({
    chain,
    mempool,
    key: validators[0] as (typeof validators)[number],
    clock: time.clock,
    timers: time.timers,
    prepared,
    maxBlockTxs: 10,
    maxBlockBytes: 100_000,
    emptyBlockIntervalMs: 1_000,
    batchDelayMs: 20,
    senderNonce: (hex) => chain.accountNonce(Buffer.from(hex, "hex")),
    log: pino({ level: "silent" }),
    onValue: (height, round, value) => values.push({ height, round, value }),
    ...(hasEndBlockWork === undefined ? {} : { hasEndBlockWork }),
  });
  return { chain, mempool, time, values, prepared, builder };
}

/** Puts the client's transaction of `nonce` in the pool, as admission would. */
function pend(
  chain: ReturnType<typeof newChain>,
  mempool: ReturnType<typeof newMempool>,
  bytes: Uint8Array,
  nonce: bigint,
) {
  const sender = toHex(addressOf(suite.hash, clientKey.publicKey.bytes));
  const poolTx = {
    hashHex: toHex(suite.hash(bytes)),
    senderHex: toHex(clientKey.publicKey.bytes),
    nonce,
    expiryHeight: 1_000_000n,
    bytes,
  };
  mempool.add(poolTx, chain.accountNonce(Buffer.from(sender, "hex")), 2n);
}

describe("ProposalBuilder", () => {
  it("waits the idle interval with an empty mempool, then proposes an empty block with the BFT time", () => {
    const { chain, time, values, prepared, builder } = setup();
    builder.request(2, 0);
    time.advance(999);
    expect(values).toEqual([]);
    time.advance(1);
    expect(values).toHaveLength(1);
    const payload = decodeProposalPayload((values[0] as { value: Value }).value.payload);
    const previous = chain.latestBlock();
    expect(payload.header.height).toBe(2n);
    expect(payload.txs).toEqual([]);
    expect(payload.header.timeMs).toBe(chain.nextBlockTime(previous.commit));
    expect(payload.lastCommit).toEqual(previous.commit);
    expect(prepared.get((values[0] as { value: Value }).value.valueId)).toBeDefined();
  });

  it("proposes an empty block after the batching delay when its end-block work is due (a completion storm)", () => {
    let due = true;
    const { time, values, builder } = setup(() => due);
    builder.request(2, 0);
    time.advance(19);
    expect(values).toEqual([]);
    time.advance(1);
    expect(values).toHaveLength(1);
    expect(decodeProposalPayload((values[0] as { value: Value }).value.payload).txs).toEqual([]);
    due = false;
    builder.request(2, 1);
    time.advance(999);
    expect(values).toHaveLength(1);
    time.advance(1);
    expect(values).toHaveLength(2);
  });

  it("proposes after the batching delay once a transaction arrives, with it in the block", () => {
    const { chain, mempool, time, values, builder } = setup();
    builder.request(2, 0);
    time.advance(100);
    const bytes = signedTx(suite, clientKey, 0n, transfer(5n));
    pend(chain, mempool, bytes, 0n);
    builder.onTxAdmitted();
    time.advance(19);
    expect(values).toEqual([]);
    time.advance(1);
    expect(decodeProposalPayload((values[0] as { value: Value }).value.payload).txs).toEqual([bytes]);
  });

  it("waits the idle interval while every pending transaction waits behind its sender's nonce gap", () => {
    const { chain, mempool, time, values, builder } = setup();
    const bytes = signedTx(suite, clientKey, 1n, transfer(5n));
    pend(chain, mempool, bytes, 1n);
    expect([mempool.runnable, mempool.queued]).toEqual([0, 1]);
    builder.request(2, 0);
    builder.onTxAdmitted();
    time.advance(999);
    expect(values).toEqual([]);
    time.advance(1);
    expect(decodeProposalPayload((values[0] as { value: Value }).value.payload).txs).toEqual([]);
  });

  it("proposes nothing once cancelled, or when the head moved past the height asked for", () => {
    const { chain, time, values, builder } = setup();
    builder.request(2, 0);
    builder.cancel();
    time.advance(5_000);
    expect(values).toEqual([]);
    builder.request(2, 1);
    growChain(chain, 1);
    time.advance(5_000);
    expect(values).toEqual([]);
  });
});
