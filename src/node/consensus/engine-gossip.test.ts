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
import { admitToMempool } from "../tx-admission.js";
import { VerifyBudget } from "../verify-budget.js";
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
import { CHAIN_ID, clientKey, signedTx, transfer } from "./sim/fixture.js";
import { MemoryWal } from "./sim/memory-wal.js";
import { decodePeerMessage, encodeCompactPayload, encodePeerMessage, encodeProposalPayload } from "./wire.js";

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
  const mempool = newMempool();
  const engine = new BftEngine({
    chain,
    mempool,
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
  return { engine, chain, sent, mempool, time };
}

/** Height 1's round-0 proposal of `txs` on a fresh chain, compact and whole, by its proposer. */
function proposalOf(txs: Uint8Array[]) {
  const chain = newChain();
  const author = keyOf(proposer(set, 1, 0));
  const prepared = chain.prepareBlock(txs, chain.nextBlockTime(undefined) as bigint, author.publicKey.bytes);
  const valueId = toHex(prepared.hash);
  const signed = signProposal(suite, author, CHAIN_ID, {
    type: "proposal",
    height: 1,
    round: 0,
    value: { valueId, payload: encodeProposalPayload(prepared.block, undefined) },
    validRound: -1,
    proposer: toHex(author.publicKey.bytes),
  });
  const compact = encodeCompactPayload({
    header: prepared.block.header,
    txHashes: prepared.outcome.txHashes,
    lastCommit: undefined,
  });
  return {
    author,
    valueId,
    whole: encodePeerMessage({ kind: "proposal", value: signed }),
    compact: encodePeerMessage({ kind: "compactProposal", value: { ...signed, payload: compact } }),
  };
}

const kinds = (sent: ReturnType<typeof recordingNetwork>["sent"]) =>
  sent.map((s) => ({ to: s.to, message: decodePeerMessage(s.data) }));

const prevotedFor = (sent: ReturnType<typeof recordingNetwork>["sent"]) =>
  kinds(sent).flatMap(({ message: m }) =>
    m.kind === "vote" && m.value.voteType === 1 && m.value.blockHash !== undefined
      ? [toHex(m.value.blockHash)]
      : [],
  );

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

  it("takes a compact proposal from the pool's transactions, and asks its sender for the whole when one is missing", () => {
    const txs = [0n, 1n].map((nonce) => signedTx(suite, clientKey, nonce, transfer(5n)));
    const { author, valueId, whole, compact } = proposalOf(txs);
    const self = validators.find((k) => k !== author) as KeyPair;
    const budget = new VerifyBudget({ perSecond: 1e6, burst: 1e6, maxClients: 10 }, () => 0);

    // A pool that holds both: the core gets the block and we prevote it, asking nothing.
    const holding = engineFor(self);
    const deps = {
      suite,
      chain: holding.chain,
      mempool: holding.mempool,
      clientBudget: budget,
      peerBudget: budget,
    };
    for (const tx of txs) admitToMempool(deps, tx, { kind: "peer", id: "peer" });
    holding.engine.start();
    holding.engine.onPeerMessage("peer", compact, () => {});
    expect(prevotedFor(holding.sent)).toEqual([valueId]);
    expect(kinds(holding.sent).some(({ message }) => message.kind === "proposalRequest")).toBe(false);
    holding.engine.stop();

    // A pool that lacks the second: ask the sender, once per status interval, then take the whole.
    const lacking = engineFor(self);
    admitToMempool({ ...deps, chain: lacking.chain, mempool: lacking.mempool }, txs[0] as Uint8Array, {
      kind: "peer",
      id: "peer",
    });
    lacking.engine.start();
    const requests = () => kinds(lacking.sent).filter(({ message }) => message.kind === "proposalRequest");
    lacking.engine.onPeerMessage("peer", compact, () => {});
    lacking.engine.onPeerMessage("peer", compact, () => {});
    expect(requests()).toEqual([
      { to: "peer", message: { kind: "proposalRequest", value: { height: 1n, round: 0 } } },
    ]);
    expect(prevotedFor(lacking.sent)).toEqual([]);
    lacking.time.advance(500);
    lacking.engine.onPeerMessage("peer", compact, () => {});
    expect(requests()).toHaveLength(2);
    lacking.engine.onPeerMessage("peer", whole, () => {});
    expect(prevotedFor(lacking.sent)).toEqual([valueId]);
    lacking.engine.stop();
  });

  it("sends its own proposal compact, and whole to a peer that asks for it, once per status interval", () => {
    const author = keyOf(proposer(set, 1, 0));
    const { engine, sent, time } = engineFor(author);
    engine.start();
    time.advance(1_000); // the idle interval: an empty block
    // Sent compact to all (and again at a status tick with no commit); never whole unasked.
    const proposals = kinds(sent).filter(({ message }) => message.kind === "compactProposal");
    expect(proposals.length).toBeGreaterThan(0);
    expect(new Set(proposals.map(({ to }) => to))).toEqual(new Set(["all"]));
    const ask = encodePeerMessage({ kind: "proposalRequest", value: { height: 1n, round: 0 } });
    const wholes = () => kinds(sent).filter(({ message }) => message.kind === "proposal");
    expect(wholes()).toEqual([]);
    engine.onPeerMessage("peer", ask, () => {});
    engine.onPeerMessage("peer", ask, () => {});
    expect(wholes().map(({ to }) => to)).toEqual(["peer"]);
    // A round we did not propose in is no one's to answer.
    engine.onPeerMessage(
      "peer",
      encodePeerMessage({ kind: "proposalRequest", value: { height: 1n, round: 3 } }),
      () => {},
    );
    expect(wholes()).toHaveLength(1);
    time.advance(500);
    engine.onPeerMessage("peer", ask, () => {});
    expect(wholes().map(({ to }) => to)).toEqual(["peer", "peer"]);
    engine.stop();
  });
});
