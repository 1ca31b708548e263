import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { proposer, ValidatorSet } from "../../consensus/index.js";
import type { KeyPair } from "../../crypto/suite.js";
import { InvariantError } from "../../errors.js";
import { toHex } from "../../ledger/bytes.js";
import { TxError } from "../../ledger/errors.js";
import { StorageError } from "../../storage/chain-store.js";
import type { Chain } from "../chain.js";
import { MempoolError } from "../mempool.js";
import { BftEngine } from "./engine.js";
import {
  certify,
  manualTime,
  newChain,
  newMempool,
  recordingNetwork,
  suite,
  validators,
} from "./engine-kit.test-util.js";
import { signProposal, signVote } from "./signing.js";
import { CHAIN_ID } from "./sim/fixture.js";
import { MemoryWal } from "./sim/memory-wal.js";
import { decodePeerMessage, encodePeerMessage, encodeProposalPayload } from "./wire.js";

const set = new ValidatorSet(validators.map((k) => ({ id: toHex(k.publicKey.bytes), power: 10n })));
const keyOf = (id: string) => validators.find((k) => toHex(k.publicKey.bytes) === id) as KeyPair;

/** The proposal of `height`, round 0, by its proposer, on top of `chain` (which it advances). */
function proposalOn(chain: Chain, height: number) {
  const author = keyOf(proposer(set, height, 0));
  const previous = chain.latestBlock();
  const prepared = chain.prepareBlock(
    [],
    chain.nextBlockTime(previous.commit) as bigint,
    author.publicKey.bytes,
  );
  const valueId = toHex(prepared.hash);
  const value = { valueId, payload: encodeProposalPayload(prepared.block, previous.commit) };
  const message = encodePeerMessage({
    kind: "proposal",
    value: signProposal(suite, author, CHAIN_ID, {
      type: "proposal",
      height,
      round: 0,
      value,
      validRound: -1,
      proposer: toHex(author.publicKey.bytes),
    }),
  });
  chain.commit(prepared, certify(prepared.block, validators));
  return { message, valueId, author };
}

function votes(height: number, valueId: string, from: readonly KeyPair[]) {
  return from.flatMap((key) =>
    (["prevote", "precommit"] as const).map((type) =>
      encodePeerMessage({
        kind: "vote",
        value: signVote(suite, key, CHAIN_ID, {
          type,
          height,
          round: 0,
          valueId,
          validator: toHex(key.publicKey.bytes),
          timestampMs: 1_767_225_700_000,
        }),
      }),
    ),
  );
}

/** An engine for validator `self` at genesis, with manual time and a recording network. */
function engineFor(self: KeyPair) {
  const time = manualTime();
  const { network, sent } = recordingNetwork();
  const chain = newChain();
  const engine = new BftEngine({
    chain,
    mempool: newMempool(),
    key: self,
    network,
    wal: new MemoryWal({ fires: () => false }),
    walRecords: [],
    clock: time.clock,
    timers: time.timers,
    timeouts: {
      proposeBaseMs: 10_000,
      proposeDeltaMs: 0,
      prevoteBaseMs: 10_000,
      prevoteDeltaMs: 0,
      precommitBaseMs: 10_000,
      precommitDeltaMs: 0,
    },
    maxBlockTxs: 10,
    maxBlockBytes: 100_000,
    emptyBlockIntervalMs: 1_000,
    batchDelayMs: 10,
    senderNonce: () => 0n,
    log: pino({ level: "silent" }),
    onCommit: () => {},
    onEvidence: () => {},
  });
  return { engine, chain, sent };
}

describe("BftEngine gossip", () => {
  it("keeps a proposal of the next height and gives it to the core once it gets there", () => {
    // The others' chain, a height ahead of the engine under test.
    const others = newChain();
    const first = proposalOn(others, 1);
    const second = proposalOn(others, 2);
    const self = validators.find((k) => k !== first.author && k !== second.author) as KeyPair;
    const { engine, chain, sent } = engineFor(self);
    engine.start();
    const deliver = (data: Uint8Array) => engine.onPeerMessage("peer", data, () => {});
    // Height 2's proposal arrives first (we lag a step), then height 1 completes.
    deliver(second.message);
    deliver(first.message);
    for (const data of votes(
      1,
      first.valueId,
      validators.filter((k) => k !== self),
    ))
      deliver(data);
    expect(chain.height).toBe(1n);
    // Without any re-send, we prevote height 2's block: the buffered proposal reached the core.
    const prevotes = sent
      .map((s) => decodePeerMessage(s.data))
      .filter((m) => m.kind === "vote" && m.value.height === 2n && m.value.voteType === 1);
    expect(prevotes.map((m) => (m.kind === "vote" ? toHex(m.value.blockHash as Uint8Array) : ""))).toEqual([
      second.valueId,
    ]);
    engine.stop();
  });

  it("relays the prevotes of a re-proposal's proof of lock, once", () => {
    const others = newChain();
    const first = proposalOn(others, 1);
    const { valueId } = first;
    const reproposer = keyOf(proposer(set, 1, 1));
    const self = validators.find((k) => k !== reproposer) as KeyPair;
    const { engine, sent } = engineFor(self);
    engine.start();
    const deliver = (data: Uint8Array) => engine.onPeerMessage("peer", data, () => {});
    const lockers = validators.filter((k) => k !== self);
    // Round 0's prevotes for the value reach us, its proposal does not.
    for (const data of votes(1, valueId, lockers)) {
      const m = decodePeerMessage(data);
      if (m.kind === "vote" && m.value.voteType === 1) deliver(data);
    }
    const payload = decodePeerMessage(first.message);
    if (payload.kind !== "proposal") throw new Error("not a proposal");
    const reproposal = encodePeerMessage({
      kind: "proposal",
      value: signProposal(suite, reproposer, CHAIN_ID, {
        type: "proposal",
        height: 1,
        round: 1,
        value: { valueId, payload: payload.value.payload },
        validRound: 0,
        proposer: toHex(reproposer.publicKey.bytes),
      }),
    });
    // Round 1's proposer re-proposes it with validRound 0; it arrives twice.
    const before = sent.length;
    deliver(reproposal);
    deliver(reproposal);
    const relayed = sent
      .slice(before)
      .map((s) => decodePeerMessage(s.data))
      .filter((m) => m.kind === "vote" && m.value.round === 0 && m.value.voteType === 1);
    expect(relayed.map((m) => (m.kind === "vote" ? toHex(m.value.validator) : "")).sort()).toEqual(
      lockers.map((k) => toHex(k.publicKey.bytes)).sort(),
    );
    engine.stop();
  });

  it("drops a peer's transaction the pool refuses, and lets any other failure of admitting it escape", () => {
    const { engine } = engineFor(validators[0] as KeyPair);
    engine.start();
    const tx = encodePeerMessage({ kind: "tx", value: new Uint8Array([1, 2, 3]) });
    const failing = (error: Error) => () =>
      engine.onPeerMessage("peer", tx, () => {
        throw error;
      });
    expect(failing(new MempoolError("TX_DUPLICATE", "already pending"))).not.toThrow();
    expect(failing(new TxError("TX_EXPIRED", "expired"))).not.toThrow();
    expect(failing(new StorageError("STORE_CORRUPT", "a damaged page"))).toThrow(StorageError);
    expect(failing(new InvariantError("two heads"))).toThrow(InvariantError);
    engine.stop();
  });
});
