import type { Logger } from "pino";
import { isInvalidInput } from "../../app/errors.js";
import {
  ConsensusCore,
  type ConsensusMessage,
  type CommitCertificate as CoreCertificate,
  type Validator as CoreValidator,
  type DuplicateVoteEvidence,
  type Effect,
  type Input,
  type Proposal,
  proposer,
  type TimeoutConfig,
  ValidatorSet,
  type WalRecord,
} from "../../consensus/index.js";
import type { KeyPair, Suite } from "../../crypto/suite.js";
import { InvariantError } from "../../errors.js";
import { type Faults, noFaults } from "../../faults.js";
import { type Block, blockHash, lastCommitHash } from "../../ledger/block.js";
import { bytesEqual, toHex } from "../../ledger/bytes.js";
import type { SignedVote } from "../../ledger/signed-vote.js";
import type { Chain, CommittedBlock } from "../chain.js";
import type { Mempool } from "../mempool.js";
import { isTxRefusal } from "../tx-admission.js";
import type { VerifyPool } from "../verify/pool.js";
import { Backfill } from "./backfill.js";
import { type AppliedBlock, BlockSync } from "./block-sync.js";
import { type BufferedMessage, NextHeightBuffer } from "./next-height-buffer.js";
import type { Clock, ConsensusWal, EngineObserver, PeerNetwork, TimerHandle, Timers } from "./ports.js";
import { type Prepared, PreparedBlocks } from "./prepared-blocks.js";
import { ProposalBuilder } from "./proposal-builder.js";
import { validateProposal } from "./proposal-validator.js";
import { Refusals } from "./refusals.js";
import { openProposal, openVote, signProposal, signVote } from "./signing.js";
import { VoteBook } from "./vote-book.js";
import {
  decodeCompactPayload,
  decodePeerMessage,
  decodeProposalPayload,
  encodeCompactPayload,
  encodePeerMessage,
  encodeProposalPayload,
  type PeerMessage,
  type ProposalPayload,
  type SignedProposal,
} from "./wire.js";

export type { PeerNetwork } from "./ports.js";

export interface BftEngineOptions {
  readonly chain: Chain;
  readonly mempool: Mempool;
  /**
   * The node's consensus key. While it is not in the validator set (an observer) the node
   * follows the chain by block sync and does not vote; undefined means it never will.
   */
  readonly key: KeyPair | undefined;
  readonly network: PeerNetwork;
  readonly wal: ConsensusWal | undefined;
  /** What the WAL held when it was opened. */
  readonly walRecords: readonly WalRecord[];
  readonly clock: Clock;
  readonly timers: Timers;
  readonly timeouts: TimeoutConfig;
  readonly maxBlockTxs: number;
  /** With an empty mempool the proposer waits this long before proposing an empty block. */
  readonly emptyBlockIntervalMs: number;
  /** After a transaction arrives, the proposer waits this long to gather more. */
  readonly batchDelayMs: number;
  readonly maxBlockBytes: number;
  readonly senderNonce: (senderHex: string) => bigint;
  readonly log: Logger;
  /**
   * Worker threads that verify a synced batch's transaction signatures while the event loop goes
   * on (catching up); without it, or with no workers, execution verifies them inline.
   */
  readonly verifyPool?: VerifyPool;
  /** Consensus events for metrics and the simulator (see ports.ts). */
  readonly observer?: EngineObserver;
  /** Deliberate bugs, for the simulator's broken-engine tests only; the node passes none. */
  readonly faults?: Faults<EngineFault>;
  /** Blocks committed: one decided by consensus, or those block sync committed together, in order. */
  readonly onCommit: (committed: readonly CommittedBlock[]) => void;
  /** Two conflicting votes by one validator, with both signatures, ready to report on chain. */
  readonly onEvidence: (
    evidence: DuplicateVoteEvidence,
    signed: { first: SignedVote; second: SignedVote },
  ) => void;
}

/**
 * The engine's deliberate bugs, to prove the engine simulator catches them: `sendBeforeWal`
 * sends what a step signed before writing it to the WAL; `acceptSwappedCertificate` takes the
 * previous block's certificate a proposal carries without holding it to the header's
 * lastCommitHash (and re-hashes the header to fit it).
 */
export type EngineFault = "sendBeforeWal" | "acceptSwappedCertificate";

/** How often a node tells its peers its height, and re-sends its own votes while stuck. */
const STATUS_INTERVAL_MS = 500;
const MAX_EVIDENCE_KEPT = 1_000;

/**
 * The Byzantine-fault-tolerant block engine, the event loop: it wires the pure Tendermint core
 * to the chain, the write-ahead log, timers and the peer network. Inputs are processed one at a
 * time from a queue, and the effects of each are carried out in the order the core gave them
 * (persist before send). Building proposals, validating them and block sync are modules of
 * their own; everything from outside (clock, timers, network, WAL) is injected.
 */
export class BftEngine {
  private core: ConsensusCore | undefined;
  private readonly queue: Input[] = [];
  private draining = false;
  /** Records of the step being performed, made durable together before its next send. */
  private unlogged: WalRecord[] = [];
  private readonly timers = new Set<TimerHandle>();
  private readonly prepared = new PreparedBlocks();
  private readonly votes = new VoteBook();
  private readonly nextHeight = new NextHeightBuffer();
  /** Proofs of lock already relayed at this height, by (round, value id). */
  private readonly relayedPols = new Set<string>();
  private readonly refusals: Refusals;
  private readonly builder: ProposalBuilder | undefined;
  private readonly sync: BlockSync;
  private readonly backfill: Backfill;
  private readonly observer: EngineObserver;
  private readonly faults: Faults<EngineFault>;
  private lastProgressHeight = -1n;
  private running = false;
  readonly evidence: DuplicateVoteEvidence[] = [];
  private lastRounds = 0;
  private lastStep = "";
  /** The scheduled validator-set change already given to the core. */
  private fedScheduledSet: string | undefined;
  /**
   * The decoded form of each proposal payload received, keyed by the very bytes the core holds
   * for its value, so validating it decodes nothing again (a compact proposal's transactions
   * are the pool's own arrays, whose admitted form execution reuses).
   */
  private readonly decodedPayloads = new WeakMap<Uint8Array, ProposalPayload>();
  /**
   * Full proposals asked of peers (compact ones naming transactions our pool lacks) and sent to
   * peers that asked, at this height: when, by peer/height/round, so each is repeated at most
   * once per status interval.
   */
  private readonly asked = new Map<string, number>();
  private readonly answered = new Map<string, number>();

  constructor(private readonly options: BftEngineOptions) {
    this.observer = options.observer ?? {};
    this.faults = options.faults ?? noFaults();
    this.refusals = new Refusals(options.log, options.clock, this.observer);
    const key = options.key;
    this.builder =
      key === undefined
        ? undefined
        : new ProposalBuilder({
            ...options,
            key,
            prepared: this.prepared,
            onValue: (height, round, value) => {
              if (!this.running || this.core?.snapshot().height !== height) return;
              this.enqueue({ kind: "value", height, round, value, nowMs: options.clock.now() });
            },
          });
    const pool = options.verifyPool;
    this.sync = new BlockSync({
      ...options,
      refusals: this.refusals,
      onApplied: (applied) => this.afterCommit(applied),
      ...(pool === undefined || pool.maxWorkers === 0
        ? {}
        : {
            ahead: {
              pool,
              applied: (peerId, count) => this.afterSynced(peerId, count),
              running: () => this.running,
              // The same fate as on the synchronous path (the transport's callback): a crash for
              // a bug, else logged.
              failed: (err) => {
                if (err instanceof InvariantError)
                  queueMicrotask(() => {
                    throw err;
                  });
                else this.options.log.error({ err }, "applying synced blocks failed");
              },
            },
          }),
    });
    this.backfill = new Backfill({
      ...options,
      refusals: this.refusals,
      observer: this.observer,
      peersHolding: (height) => this.sync.peersHolding(height),
    });
  }

  private get chain(): Chain {
    return this.options.chain;
  }

  private get suite(): Suite {
    return this.options.chain.suite;
  }

  private get chainId(): string {
    return this.options.chain.genesis.chainId;
  }

  /** Validators of the current set, as the core names them (hex of the public key). */
  private coreValidators(): CoreValidator[] {
    return this.chain.validators().map((v) => ({ id: toHex(v.publicKey), power: v.power }));
  }

  private get isValidator(): boolean {
    const key = this.options.key;
    return (
      key !== undefined && this.chain.validators().some((v) => bytesEqual(v.publicKey, key.publicKey.bytes))
    );
  }

  start(): void {
    this.running = true;
    if (this.isValidator) this.startCore(this.options.walRecords);
    this.scheduleTick();
    this.broadcastStatus();
  }

  stop(): void {
    this.running = false;
    this.builder?.cancel();
    for (const timer of this.timers) timer.cancel();
    this.timers.clear();
    this.options.wal?.close();
  }

  private inValidatorSet(): boolean {
    const self = this.options.key?.publicKey.bytes;
    return self !== undefined && this.chain.validators().some((v) => bytesEqual(v.publicKey, self));
  }

  /** The consensus view for /v1/status. */
  view() {
    const snapshot = this.core?.snapshot();
    return {
      engine: "tendermint" as const,
      // A node whose key governance removed keeps its core (it may be added again) but votes no more.
      role: this.core !== undefined && this.inValidatorSet() ? ("validator" as const) : ("observer" as const),
      height: snapshot?.height ?? Number(this.chain.height + 1n),
      round: snapshot?.round ?? 0,
      step: snapshot?.step ?? "sync",
      lastHeightRounds: this.lastRounds,
      evidence: this.evidence.length,
      /** The highest height a peer said it has committed (ours when none is ahead). */
      bestPeerHeight: this.sync.bestPeerHeight().toString(),
    };
  }

  /** A transaction this node admitted: tell the peers, so whoever proposes next can include it. */
  gossipTx(bytes: Uint8Array): void {
    this.options.network.broadcast(encodePeerMessage({ kind: "tx", value: bytes }), "low");
  }

  /** A transaction arrived: a proposer that is waiting proposes after the batching delay. */
  onTxAdmitted(): void {
    this.builder?.onTxAdmitted();
  }

  /** A new link: tell the peer where we are and repeat what we signed at this height. */
  onPeerConnected(peerId: string): void {
    this.options.network.send(
      peerId,
      encodePeerMessage({ kind: "status", value: { height: this.chain.height } }),
    );
    this.resendOwnMessages(peerId);
  }

  onPeerMessage(peerId: string, data: Uint8Array, submitTx: (bytes: Uint8Array) => void): void {
    if (!this.running) return;
    let message: PeerMessage;
    try {
      message = decodePeerMessage(data);
    } catch (error) {
      if (!isInvalidInput(error)) throw error;
      this.refusals.refuse(peerId, "undecodable peer message", { err: (error as Error).message });
      return;
    }
    switch (message.kind) {
      case "proposal":
        this.receiveProposal(peerId, message.value);
        return;
      case "compactProposal":
        this.receiveCompactProposal(peerId, message.value);
        return;
      case "proposalRequest":
        this.answerProposalRequest(peerId, message.value.height, message.value.round);
        return;
      case "vote":
        this.receiveVote(peerId, message.value);
        return;
      case "tx":
        try {
          submitTx(message.value);
        } catch (error) {
          // Already known, or invalid here: the sender's node answered its client already.
          if (!isTxRefusal(error)) throw error;
        }
        return;
      case "status":
        this.sync.onStatus(peerId, message.value.height);
        this.backfill.maybeRequest();
        return;
      case "blocksRequest":
        this.sync.answer(peerId, message.value.fromHeight, message.value.max);
        return;
      case "blocks":
        this.applySyncedBlocks(peerId, message.value);
        return;
      case "backfillRequest":
        this.backfill.answer(peerId, message.value.toHeight, message.value.max);
        return;
      case "backfillBlocks":
        this.backfill.receive(peerId, message.value);
        return;
    }
  }

  // ---- the core -----------------------------------------------------------------------------

  private startCore(records: readonly WalRecord[]): void {
    const latest = this.chain.latestHeader();
    const key = this.options.key as KeyPair;
    const config = {
      self: toHex(key.publicKey.bytes),
      initialHeight: Number(latest.height + 1n),
      genesisTimeMs: Number(latest.timeMs),
      validators: this.coreValidators(),
      timeouts: this.options.timeouts,
    };
    // A commit record ahead of the store means we crashed between deciding and storing: drop it
    // and restart the height from our own signed votes; block sync brings the decided block.
    const relevant = records.filter(
      (r) => r.kind !== "commit" || r.certificate.height === Number(latest.height),
    );
    this.core = ConsensusCore.restore(config, relevant);
    this.prepared.clear();
    this.relayedPols.clear();
    this.fedScheduledSet = undefined;
    this.feedScheduledValidatorSet();
    this.enqueue({ kind: "start", nowMs: this.options.clock.now() });
  }

  private enqueue(input: Input): void {
    this.queue.push(input);
    if (this.draining) return;
    this.draining = true;
    try {
      for (let next = this.queue.shift(); next !== undefined; next = this.queue.shift()) {
        const core = this.core;
        if (core === undefined || !this.running) continue;
        for (const effect of this.ordered(core.step(next))) this.perform(effect);
        this.logUnlogged();
        this.reportStep();
      }
    } finally {
      this.draining = false;
    }
  }

  /** The core's order (persist before send), unless a deliberate bug turns it round. */
  private ordered(effects: Effect[]): Effect[] {
    if (!this.faults.fires("sendBeforeWal")) return effects;
    return [...effects.filter((e) => e.kind !== "persist"), ...effects.filter((e) => e.kind === "persist")];
  }

  private reportStep(): void {
    const snapshot = this.core?.snapshot();
    if (snapshot === undefined || this.observer.stepChanged === undefined) return;
    const step = `${snapshot.height}/${snapshot.round}/${snapshot.step}`;
    if (step === this.lastStep) return;
    this.lastStep = step;
    this.observer.stepChanged({ height: snapshot.height, round: snapshot.round, step: snapshot.step });
  }

  private perform(effect: Effect): void {
    if (effect.kind === "persist") {
      // The commit record is written by the checkpoint after the block is stored (commitDecided):
      // one ahead of the store is dropped at restart anyway (startCore), so its fsync buys nothing.
      if (effect.record.kind !== "commit") this.unlogged.push(effect.record);
      return;
    }
    // Persist before send: whatever the step persisted so far is durable (one fsync) first.
    this.logUnlogged();
    switch (effect.kind) {
      case "broadcast":
        this.broadcastOwn(effect.message);
        return;
      case "scheduleTimeout":
        this.after(effect.durationMs, () =>
          this.enqueue({ kind: "timeout", timeout: effect.timeout, nowMs: this.options.clock.now() }),
        );
        return;
      case "requestValue":
        this.builder?.request(effect.height, effect.round);
        return;
      case "requestValidation": {
        const verdict = validateProposal(
          this.chain,
          this.prepared,
          this.refusals,
          effect.height,
          effect.valueId,
          effect.payload,
          this.faults.fires("acceptSwappedCertificate"),
          this.decodedPayloads.get(effect.payload),
        );
        const { height, valueId } = effect;
        this.enqueue({ kind: "validation", height, valueId, verdict, nowMs: this.options.clock.now() });
        return;
      }
      case "commit":
        this.commitDecided(effect.certificate);
        return;
      case "evidence": {
        this.evidence.push(effect.evidence);
        if (this.evidence.length > MAX_EVIDENCE_KEPT) this.evidence.shift();
        const first = this.votes.get(effect.evidence.first);
        const second = this.votes.get(effect.evidence.second);
        if (first !== undefined && second !== undefined)
          this.options.onEvidence(effect.evidence, { first, second });
        return;
      }
    }
  }

  private logUnlogged(): void {
    if (this.unlogged.length === 0) return;
    const records = this.unlogged;
    this.unlogged = [];
    this.options.wal?.append(records);
  }

  /** A one-shot timer that the engine cancels when it stops. */
  private after(delayMs: number, run: () => void): void {
    const timer = this.options.timers.after(delayMs, () => {
      this.timers.delete(timer);
      if (this.running) run();
    });
    this.timers.add(timer);
  }

  /** Signs and sends one of our messages; a re-proposal goes out with its proof of lock. */
  private broadcastOwn(message: ConsensusMessage): void {
    const encoded = this.signOwn(message);
    this.options.network.broadcast(encoded);
    if (message.type === "proposal") {
      this.observer.proposed?.({
        height: message.height,
        round: message.round,
        validRound: message.validRound,
      });
      if (message.validRound >= 0)
        this.relayProofOfLock(message.height, message.validRound, message.value.valueId);
    }
  }

  /**
   * A proposal goes out compact, its transactions named by hash, when this node holds the block
   * prepared (built or validated here): the peers' pools hold nearly all of them already. After
   * a restart (a value from the WAL, not prepared) it goes out whole.
   */
  private signOwn(message: ConsensusMessage): Uint8Array {
    const key = this.options.key as KeyPair;
    if (message.type === "proposal") {
      const signed = signProposal(this.suite, key, this.chainId, message);
      const held = this.prepared.get(message.value.valueId);
      if (held === undefined) return encodePeerMessage({ kind: "proposal", value: signed });
      const { header, lastCommit } = held.payload;
      const payload = encodeCompactPayload({ header, txHashes: held.prepared.outcome.txHashes, lastCommit });
      return encodePeerMessage({ kind: "compactProposal", value: { ...signed, payload } });
    }
    const signed = signVote(this.suite, key, this.chainId, message);
    this.votes.add(message, signed, true);
    this.observer.voted?.(message);
    return encodePeerMessage({ kind: "vote", value: signed });
  }

  /**
   * The prevotes of round `validRound` for a re-proposed value: a peer that missed them would
   * never accept the re-proposal (line 28), so they travel with it (the paper's gossip). To
   * all peers once per value and height, or again to one peer (`peerId`) or all (`again`).
   */
  private relayProofOfLock(
    height: number,
    validRound: number,
    valueId: string,
    to: { peerId?: string; again?: boolean } = {},
  ): void {
    const key = `${validRound}/${valueId}`;
    if (to.peerId === undefined && to.again !== true) {
      if (this.relayedPols.has(key)) return;
      this.relayedPols.add(key);
    }
    for (const signed of this.votes.proofOfLock(height, validRound, valueId))
      this.send(encodePeerMessage({ kind: "vote", value: signed }), to.peerId);
  }

  /** To one peer, or to all. */
  private send(encoded: Uint8Array, peerId: string | undefined): void {
    if (peerId === undefined) this.options.network.broadcast(encoded);
    else this.options.network.send(peerId, encoded);
  }

  // ---- committing -------------------------------------------------------------------------

  private commitDecided(certificate: CoreCertificate): void {
    const startedMs = this.options.clock.now();
    const valueId = certificate.proposal.value.valueId;
    let entry: Prepared | undefined = this.prepared.get(valueId);
    if (entry === undefined) {
      // Decided from the WAL after a restart: execute the block again from its payload.
      const payload = decodeProposalPayload(certificate.proposal.value.payload);
      entry = { prepared: this.chain.executeBlock(payload.header, payload.txs, payload.lastCommit), payload };
    }
    const certified: Block = {
      ...entry.prepared.block,
      commit: this.votes.certificate(certificate, entry.prepared.hash),
    };
    this.chain.commit(entry.prepared, certified);
    this.lastRounds = certificate.round + 1;
    this.reportDecided(certificate);
    this.options.wal?.checkpoint([
      {
        kind: "commit",
        certificate: {
          ...certificate,
          proposal: { ...certificate.proposal, value: { valueId, payload: new Uint8Array(0) } },
        },
      },
    ]);
    this.prepared.clear();
    this.relayedPols.clear();
    this.asked.clear();
    this.answered.clear();
    this.votes.pruneThrough(certificate.height);
    this.feedScheduledValidatorSet();
    this.afterCommit([{ block: certified, prepared: entry.prepared, startedMs }]);
    // The core is at the next height now: give it what arrived early for that height.
    for (const message of this.nextHeight.take(certificate.height + 1)) this.enqueueBuffered(message);
  }

  private reportDecided(certificate: CoreCertificate): void {
    const decided = this.observer.decided;
    if (decided === undefined) return;
    // The set that signed this height, from the chain: the core may already have pruned it when
    // governance changed the set at the next height.
    const set = new ValidatorSet(
      this.chain
        .validatorsAt(BigInt(certificate.height))
        .map((v) => ({ id: toHex(v.publicKey), power: v.power })),
    );
    const signers = certificate.precommits.map((v) => v.validator);
    decided({
      height: certificate.height,
      round: certificate.round,
      proposer: certificate.proposal.proposer,
      signers,
      missing: set.validators.map((v) => v.id).filter((id) => !signers.includes(id)),
      failedProposers: Array.from({ length: certificate.round }, (_, r) =>
        proposer(set, certificate.height, r),
      ),
    });
  }

  /**
   * Governance scheduled a new validator set for a later height: tell the core before that
   * height starts. A node that joins the set starts voting; the set in state is the truth.
   */
  private feedScheduledValidatorSet(): void {
    const scheduled = this.chain.scheduledValidatorSet();
    if (scheduled === undefined || this.fedScheduledSet === scheduled.proposalId) return;
    this.fedScheduledSet = scheduled.proposalId;
    const validators = scheduled.validators.map((v) => ({ id: toHex(v.publicKey), power: v.power }));
    this.options.log.info(
      { height: scheduled.effectiveHeight.toString(), validators: validators.length },
      "validator set change scheduled",
    );
    this.enqueue({
      kind: "validatorSet",
      fromHeight: Number(scheduled.effectiveHeight),
      validators,
      nowMs: this.options.clock.now(),
    });
  }

  /**
   * After one block committed by consensus, or a batch by block sync (which restarts the core
   * after): the pool and our peers hear of the final height once, the node of every block.
   */
  private afterCommit(committed: readonly AppliedBlock[]): void {
    this.options.mempool.update(this.chain.height, this.options.senderNonce);
    const now = this.options.clock.now();
    this.options.onCommit(
      committed.map(({ block, prepared, startedMs }) => ({
        block,
        hash: prepared.hash,
        outcome: prepared.outcome,
        commitSeconds: (now - startedMs) / 1000,
      })),
    );
    this.broadcastStatus();
  }

  // ---- gossip, catching up ----------------------------------------------------------------

  /** Where a message of `height` goes: the core (our height), the buffer (the next), or nowhere. */
  private placeOf(height: bigint): "core" | "buffer" | undefined {
    if (this.core === undefined) return undefined;
    const current = BigInt(this.core.snapshot().height);
    return height === current ? "core" : height === current + 1n ? "buffer" : undefined;
  }

  private receiveProposal(peerId: string, signed: SignedProposal): void {
    if (this.placeOf(signed.height) === undefined) return;
    const payload = this.decodeOrRefuse(peerId, signed, decodeProposalPayload);
    if (payload !== undefined) this.acceptProposal(peerId, signed, payload);
  }

  /** A proposal's payload decoded, or undefined with the peer refused for an undecodable block. */
  private decodeOrRefuse<T>(
    peerId: string,
    signed: SignedProposal,
    decode: (bytes: Uint8Array) => T,
  ): T | undefined {
    try {
      return decode(signed.payload);
    } catch (error) {
      if (!isInvalidInput(error)) throw error;
      this.refusals.refuse(peerId, "proposal with an undecodable block", { err: (error as Error).message });
      return undefined;
    }
  }

  /**
   * A compact proposal: its transactions are looked up in our pool by hash. If one is missing
   * (its gossip is still on the way, was dropped, or our pool was full), the proposal is asked
   * for in full instead; a hash that names the wrong bytes cannot happen, and a block whose
   * transactions are not the ones its header commits to fails validation as any other.
   */
  private receiveCompactProposal(peerId: string, signed: SignedProposal): void {
    if (this.placeOf(signed.height) === undefined) return;
    const compact = this.decodeOrRefuse(peerId, signed, decodeCompactPayload);
    if (compact === undefined) return;
    const txs: Uint8Array[] = [];
    for (const hash of compact.txHashes) {
      const held = this.options.mempool.get(toHex(hash));
      if (held === undefined) {
        this.askFullProposal(peerId, signed.height, signed.round);
        return;
      }
      txs.push(held.bytes);
    }
    const payload = { header: compact.header, txs, lastCommit: compact.lastCommit };
    this.acceptProposal(
      peerId,
      { ...signed, payload: encodeProposalPayload(payload, payload.lastCommit) },
      payload,
    );
  }

  /** At most once per status interval for one proposal, so a resent compact one asks again only then. */
  private askFullProposal(peerId: string, height: bigint, round: number): void {
    if (!this.due(this.asked, `${peerId}/${height}/${round}`)) return;
    this.options.network.send(
      peerId,
      encodePeerMessage({ kind: "proposalRequest", value: { height, round } }),
    );
  }

  /** A peer lacks transactions of our proposal: the whole of it, at most once per status interval. */
  private answerProposalRequest(peerId: string, height: bigint, round: number): void {
    const own = this.core
      ?.ownMessages()
      .find((m): m is Proposal => m.type === "proposal" && BigInt(m.height) === height && m.round === round);
    if (own === undefined || !this.due(this.answered, `${peerId}/${height}/${round}`)) return;
    const signed = signProposal(this.suite, this.options.key as KeyPair, this.chainId, own);
    this.options.network.send(peerId, encodePeerMessage({ kind: "proposal", value: signed }));
  }

  /** True (and noted) when `key` was not done in the last status interval. */
  private due(done: Map<string, number>, key: string): boolean {
    const now = this.options.clock.now();
    const last = done.get(key);
    if (last !== undefined && now - last < STATUS_INTERVAL_MS) return false;
    done.set(key, now);
    return true;
  }

  private acceptProposal(peerId: string, signed: SignedProposal, payload: ProposalPayload): void {
    const place = this.placeOf(signed.height);
    if (place === undefined) return;
    const valueId = toHex(blockHash(this.suite, payload.header));
    // The proposer signed the header, which commits to the previous block's certificate; a relay
    // may have swapped the certificate beside it. That payload is not the proposer's value: it
    // must not reach the core, whose verdict for the value id would then be "invalid".
    const carried = lastCommitHash(this.suite, payload.lastCommit);
    if (
      !bytesEqual(payload.header.lastCommitHash, carried) &&
      !this.faults.fires("acceptSwappedCertificate")
    ) {
      this.refusals.refuse(peerId, "proposal carries a certificate its header does not commit to", {
        height: signed.height.toString(),
      });
      return;
    }
    this.observer.signatureChecked?.("proposal");
    const proposal = openProposal(this.suite, this.chainId, signed, valueId);
    if (proposal === undefined) {
      this.refusals.refuse(peerId, "proposal with a bad signature", { height: signed.height.toString() });
      return;
    }
    this.decodedPayloads.set(proposal.value.payload, payload);
    if (place === "buffer") {
      this.buffer(proposal.height, proposal.proposer, { kind: "proposal", proposal });
      return;
    }
    // A re-proposal: pass on its proof of lock, which peers that missed it need (once per value).
    if (proposal.validRound >= 0) this.relayProofOfLock(proposal.height, proposal.validRound, valueId);
    this.enqueue({ kind: "proposal", proposal, nowMs: this.options.clock.now() });
  }

  private receiveVote(peerId: string, signed: SignedVote): void {
    const place = this.placeOf(signed.height);
    // A late vote of the height just decided matters only to the observer.
    const late =
      place === undefined &&
      this.observer.voted !== undefined &&
      Number(signed.height) === (this.core?.snapshot().height ?? 0) - 1;
    if (place === undefined && !late) return;
    this.observer.signatureChecked?.("vote");
    const vote = openVote(this.suite, this.chainId, signed);
    if (vote === undefined) {
      this.refusals.refuse(peerId, "vote with a bad signature", { height: signed.height.toString() });
      return;
    }
    this.observer.voted?.(vote);
    if (place === undefined) return;
    this.votes.add(vote, signed);
    if (place === "buffer") this.buffer(vote.height, vote.validator, { kind: "vote", vote });
    else this.enqueue({ kind: "vote", vote, nowMs: this.options.clock.now() });
  }

  /** Keeps a next-height message from a validator of that height, within the buffer's bounds. */
  private buffer(height: number, signer: string, message: BufferedMessage): void {
    if (!this.core?.validatorsAt(height).has(signer)) return;
    this.nextHeight.add(height, signer, message);
  }

  private enqueueBuffered(message: BufferedMessage): void {
    const nowMs = this.options.clock.now();
    this.enqueue(message.kind === "proposal" ? { ...message, nowMs } : { ...message, nowMs });
  }

  private scheduleTick(): void {
    this.after(STATUS_INTERVAL_MS, () => {
      this.tick();
      this.scheduleTick();
    });
  }

  private tick(): void {
    this.observer.ticked?.();
    this.broadcastStatus();
    // Stuck at one height since the last tick: our messages may have been lost on a link.
    if (this.chain.height === this.lastProgressHeight) this.resendOwnMessages();
    this.lastProgressHeight = this.chain.height;
    this.sync.maybeRequest();
    this.backfill.maybeRequest();
  }

  private broadcastStatus(): void {
    this.options.network.broadcast(
      encodePeerMessage({ kind: "status", value: { height: this.chain.height } }),
    );
  }

  private resendOwnMessages(peerId?: string): void {
    if (this.core === undefined) return;
    for (const message of this.core.ownMessages()) {
      this.send(this.signOwn(message), peerId);
      if (message.type === "proposal" && message.validRound >= 0) {
        const to = peerId === undefined ? { again: true } : { peerId };
        this.relayProofOfLock(message.height, message.validRound, message.value.valueId, to);
      }
    }
  }

  /**
   * Blocks a peer sent (see BlockSync). With verification workers, their signatures are verified
   * there ahead of execution and they are applied as the answers come back (BlockSync.receive).
   */
  private applySyncedBlocks(peerId: string, encodedBlocks: Uint8Array[]): void {
    if (this.sync.verifiesAhead) this.sync.receive(peerId, encodedBlocks);
    else this.afterSynced(peerId, this.sync.apply(peerId, encodedBlocks));
  }

  /** Blocks a peer sent were applied (see BlockSync); then the core restarts after the new head. */
  private afterSynced(peerId: string, applied: number): void {
    if (applied === 0) return;
    const height = this.chain.height;
    this.options.log.info(
      { peer: peerId, blocks: applied, height: height.toString() },
      "caught up from a peer",
    );
    this.observer.synced?.({ peer: peerId, blocks: applied, height });
    // The core was working on a height that is now committed: start it afresh after our head.
    // Not before: fed anything meanwhile, it could decide a height the store already holds.
    if (this.core !== undefined || this.isValidator) {
      if (this.core === undefined)
        this.options.log.info({ height: height.toString() }, "this node joined the validator set");
      this.options.wal?.checkpoint([]);
      this.votes.pruneThrough(Number(height));
      const early = this.nextHeight.take(Number(height) + 1);
      this.startCore([]);
      for (const message of early) this.enqueueBuffered(message);
    }
    this.sync.maybeRequest();
  }
}
