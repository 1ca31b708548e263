import type { Logger } from "pino";
import { InvalidBlockError } from "../../app/errors.js";
import {
  bftTime,
  ConsensusCore,
  type CommitCertificate as CoreCertificate,
  type Validator as CoreValidator,
  type DuplicateVoteEvidence,
  type Effect,
  type Input,
  type TimeoutConfig,
  ValidatorSet,
  type Vote,
} from "../../consensus/index.js";
import type { KeyPair, Suite } from "../../crypto/suite.js";
import { LedgerError } from "../../errors.js";
import { type Block, blockHash, type CommitCertificate, decodeBlock } from "../../ledger/block.js";
import { bytesEqual, fromHex, toHex } from "../../ledger/bytes.js";
import { verifyCommit } from "../../ledger/commit.js";
import type { SignedVote } from "../../ledger/signed-vote.js";
import type { Chain, CommittedBlock, PreparedBlock } from "../chain.js";
import type { Mempool } from "../mempool.js";
import { prepareFromMempool } from "../propose.js";
import { openProposal, openVote, signProposal, signVote } from "./signing.js";
import type { WalFile } from "./wal-file.js";
import {
  decodePeerMessage,
  decodeProposalPayload,
  encodePeerMessage,
  encodeProposalPayload,
  type PeerMessage,
  type ProposalPayload,
} from "./wire.js";

/** What the engine needs of the transport: opaque bytes to one peer or to all. */
export interface PeerNetwork {
  /** "low" messages may be dropped for a slow peer; "high" ones (consensus) close its link instead. */
  broadcast(payload: Uint8Array, priority?: "high" | "low"): void;
  send(peerId: string, payload: Uint8Array, priority?: "high" | "low"): boolean;
}

export interface BftEngineOptions {
  readonly chain: Chain;
  readonly mempool: Mempool;
  /**
   * The node's consensus key. While it is not in the validator set (an observer) the node
   * follows the chain by block sync and does not vote; undefined means it never will.
   */
  readonly key: KeyPair | undefined;
  readonly network: PeerNetwork;
  readonly wal: WalFile | undefined;
  readonly walRecords: readonly import("../../consensus/index.js").WalRecord[];
  readonly timeouts: TimeoutConfig;
  readonly maxBlockTxs: number;
  /** With an empty mempool the proposer waits this long before proposing an empty block. */
  readonly emptyBlockIntervalMs: number;
  /** After a transaction arrives, the proposer waits this long to gather more. */
  readonly batchDelayMs: number;
  readonly maxBlockBytes: number;
  readonly now: () => number;
  readonly senderNonce: (senderHex: string) => bigint;
  readonly log: Logger;
  readonly onCommit: (committed: CommittedBlock) => void;
  /** Two conflicting votes by one validator, with both signatures, ready to report on chain. */
  readonly onEvidence: (
    evidence: DuplicateVoteEvidence,
    signed: { first: SignedVote; second: SignedVote },
  ) => void;
}

/** How often a node tells its peers its height, and re-sends its own votes while stuck. */
const STATUS_INTERVAL_MS = 500;
/** Most blocks sent in one answer to a peer that is behind, and most bytes. */
const SYNC_BATCH_BLOCKS = 32;
const SYNC_BATCH_BYTES = 16 * 1024 * 1024;
/** Most executed proposals kept while a height is undecided (an equivocating proposer makes many). */
const MAX_PREPARED = 16;
/** Bounds on what a flood of votes can make us keep. */
const MAX_SIGNED_VOTES = 100_000;
const MAX_EVIDENCE_KEPT = 1_000;

/** One signed vote: who, where, for what, when (prevotes carry timestamp 0). */
function voteKey(vote: Vote): string {
  const timestampMs = vote.type === "prevote" ? 0 : vote.timestampMs;
  return `${vote.height}/${vote.round}/${vote.type}/${vote.validator}/${vote.valueId ?? "nil"}/${timestampMs}`;
}

interface Prepared {
  readonly prepared: PreparedBlock;
  readonly payload: ProposalPayload;
}

/**
 * The Byzantine-fault-tolerant block engine: wires the pure Tendermint core to the chain, the
 * write-ahead log, timers and the peer network. Inputs are processed one at a time from a queue,
 * and the effects of each are carried out in the order the core gave them (persist before send).
 */
export class BftEngine {
  private core: ConsensusCore | undefined;
  private readonly queue: Input[] = [];
  private draining = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private statusTimer: NodeJS.Timeout | undefined;
  private readonly prepared = new Map<string, Prepared>();
  /** Every signed vote of the undecided heights, ours and received, by voteKey(): for commit certificates and evidence. */
  private readonly signedVotes = new Map<string, SignedVote>();
  private readonly peerHeights = new Map<string, bigint>();
  private syncRequestedAt = 0;
  private lastProgressHeight = -1n;
  private running = false;
  readonly evidence: DuplicateVoteEvidence[] = [];
  private lastRounds = 0;
  /** The scheduled validator-set change already given to the core. */
  private fedScheduledSet: string | undefined;
  /** A value the core asked for, held back until transactions arrive or the idle interval ends. */
  private pendingValue: { height: number; round: number; timer: NodeJS.Timeout; dueAt: number } | undefined;

  constructor(private readonly options: BftEngineOptions) {}

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
    this.statusTimer = setInterval(() => this.tick(), STATUS_INTERVAL_MS);
    this.broadcastStatus();
  }

  stop(): void {
    this.running = false;
    if (this.statusTimer !== undefined) clearInterval(this.statusTimer);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.options.wal?.close();
  }

  /** The consensus view for /v1/status. */
  view() {
    const snapshot = this.core?.snapshot();
    return {
      engine: "tendermint" as const,
      role: this.core === undefined ? ("observer" as const) : ("validator" as const),
      height: snapshot?.height ?? Number(this.chain.height + 1n),
      round: snapshot?.round ?? 0,
      step: snapshot?.step ?? "sync",
      lastHeightRounds: this.lastRounds,
      evidence: this.evidence.length,
    };
  }

  /** A transaction this node admitted: tell the peers, so whoever proposes next can include it. */
  gossipTx(bytes: Uint8Array): void {
    this.options.network.broadcast(encodePeerMessage({ kind: "tx", value: bytes }), "low");
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
    let message: PeerMessage;
    try {
      message = decodePeerMessage(data);
    } catch (error) {
      this.options.log.warn({ peer: peerId, err: (error as Error).message }, "undecodable peer message");
      return;
    }
    switch (message.kind) {
      case "proposal":
        this.receiveProposal(peerId, message.value);
        return;
      case "vote":
        this.receiveVote(peerId, message.value);
        return;
      case "tx":
        try {
          submitTx(message.value);
        } catch {
          // Already known, or invalid here: the sender's node answered its client already.
        }
        return;
      case "status":
        this.peerHeights.set(peerId, message.value.height);
        this.maybeSync();
        return;
      case "blocksRequest":
        this.answerBlocksRequest(peerId, message.value.fromHeight, message.value.max);
        return;
      case "blocks":
        this.applySyncedBlocks(peerId, message.value);
        return;
    }
  }

  // ---- the core -----------------------------------------------------------------------------

  private startCore(records: readonly import("../../consensus/index.js").WalRecord[]): void {
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
    this.fedScheduledSet = undefined;
    this.feedScheduledValidatorSet();
    this.enqueue({ kind: "start", nowMs: this.options.now() });
  }

  private enqueue(input: Input): void {
    this.queue.push(input);
    if (this.draining) return;
    this.draining = true;
    try {
      for (let next = this.queue.shift(); next !== undefined; next = this.queue.shift()) {
        const core = this.core;
        if (core === undefined || !this.running) continue;
        for (const effect of core.step(next)) this.perform(effect);
      }
    } finally {
      this.draining = false;
    }
  }

  private perform(effect: Effect): void {
    switch (effect.kind) {
      case "persist":
        this.options.wal?.append(effect.record);
        return;
      case "broadcast":
        this.broadcast(effect.message);
        return;
      case "scheduleTimeout": {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          this.enqueue({ kind: "timeout", timeout: effect.timeout, nowMs: this.options.now() });
        }, effect.durationMs);
        this.timers.add(timer);
        return;
      }
      case "requestValue":
        this.holdValueRequest(effect.height, effect.round);
        return;
      case "requestValidation":
        this.validate(effect.height, effect.valueId, effect.payload);
        return;
      case "commit":
        this.commitDecided(effect.certificate);
        return;
      case "evidence": {
        this.evidence.push(effect.evidence);
        if (this.evidence.length > MAX_EVIDENCE_KEPT) this.evidence.shift();
        const first = this.signedVotes.get(voteKey(effect.evidence.first));
        const second = this.signedVotes.get(voteKey(effect.evidence.second));
        if (first !== undefined && second !== undefined)
          this.options.onEvidence(effect.evidence, { first, second });
        return;
      }
    }
  }

  private broadcast(message: import("../../consensus/index.js").ConsensusMessage): void {
    const key = this.options.key as KeyPair;
    if (message.type === "proposal") {
      const signed = signProposal(this.suite, key, this.chainId, message);
      this.options.network.broadcast(encodePeerMessage({ kind: "proposal", value: signed }));
      return;
    }
    const signed = signVote(this.suite, key, this.chainId, message);
    this.signedVotes.set(voteKey(message), signed);
    this.options.network.broadcast(encodePeerMessage({ kind: "vote", value: signed }));
  }

  // ---- proposing and validating --------------------------------------------------------------

  /** The time the block after `previous` must carry: BFT time of the certificate it brings. */
  private blockTimeAfter(previous: Block, lastCommit: CommitCertificate | undefined): bigint | undefined {
    if (previous.header.height === 0n)
      return lastCommit === undefined ? previous.header.timeMs + 1n : undefined;
    if (lastCommit === undefined) return undefined;
    const votes: Vote[] = lastCommit.signatures.map((s) => ({
      type: "precommit",
      height: Number(lastCommit.height),
      round: lastCommit.round,
      valueId: toHex(lastCommit.blockHash),
      validator: toHex(s.validator),
      timestampMs: Number(s.timestampMs),
    }));
    const signers = this.chain
      .validatorsAt(lastCommit.height)
      .map((v) => ({ id: toHex(v.publicKey), power: v.power }));
    const time = bftTime(votes, new ValidatorSet(signers));
    return time === undefined ? undefined : BigInt(time);
  }

  /**
   * Proposing at once would make empty blocks as fast as the network allows. The proposer waits
   * for transactions (then a short batching delay) or, with none, for the idle interval; the
   * other validators' propose timeout is longer than that interval (checked at start-up).
   */
  private holdValueRequest(height: number, round: number): void {
    const delayMs =
      this.options.mempool.size > 0 ? this.options.batchDelayMs : this.options.emptyBlockIntervalMs;
    this.scheduleValue(height, round, delayMs);
  }

  private scheduleValue(height: number, round: number, delayMs: number): void {
    if (this.pendingValue !== undefined) {
      clearTimeout(this.pendingValue.timer);
      this.timers.delete(this.pendingValue.timer);
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.pendingValue = undefined;
      this.proposeValue(height, round);
    }, delayMs);
    this.timers.add(timer);
    this.pendingValue = { height, round, timer, dueAt: Date.now() + delayMs };
  }

  /** A transaction arrived: a proposer that is waiting proposes after the batching delay. */
  onTxAdmitted(): void {
    const pending = this.pendingValue;
    if (pending === undefined || pending.dueAt - Date.now() <= this.options.batchDelayMs) return;
    this.scheduleValue(pending.height, pending.round, this.options.batchDelayMs);
  }

  private proposeValue(height: number, round: number): void {
    if (!this.running || this.core?.snapshot().height !== height) return;
    const previous = this.chain.latestBlock();
    const lastCommit = previous.commit;
    const timeMs = this.blockTimeAfter(previous, lastCommit) as bigint;
    const picked = this.options.mempool.reap(
      this.options.maxBlockTxs,
      this.options.maxBlockBytes,
      this.options.senderNonce,
    );
    const key = this.options.key as KeyPair;
    const prepared = prepareFromMempool(
      this.chain,
      this.options.mempool,
      picked,
      timeMs,
      key.publicKey.bytes,
      (hash, reason) =>
        this.options.log.warn({ tx: hash, reason }, "left an invalid transaction out of the proposal"),
    );
    const { txs } = prepared.block;
    const valueId = toHex(prepared.hash);
    this.keepPrepared(valueId, { prepared, payload: { header: prepared.block.header, txs, lastCommit } });
    this.enqueue({
      kind: "value",
      height,
      round,
      value: { valueId, payload: encodeProposalPayload(prepared.block, lastCommit) },
      nowMs: this.options.now(),
    });
  }

  private keepPrepared(valueId: string, entry: Prepared): void {
    if (this.prepared.size >= MAX_PREPARED) {
      const oldest = this.prepared.keys().next().value;
      if (oldest !== undefined) this.prepared.delete(oldest);
    }
    this.prepared.set(valueId, entry);
  }

  /** valid(v) of the paper: the block follows our head, carries the right time, and re-executes. */
  private validate(height: number, valueId: string, payloadBytes: Uint8Array): void {
    const verdict = this.check(height, valueId, payloadBytes);
    this.enqueue({ kind: "validation", height, valueId, verdict, nowMs: this.options.now() });
  }

  private check(height: number, valueId: string, payloadBytes: Uint8Array) {
    const invalid = { valid: false } as const;
    if (this.prepared.has(valueId)) {
      const { prepared } = this.prepared.get(valueId) as Prepared;
      return { valid: true, blockTimeMs: Number(prepared.block.header.timeMs) } as const;
    }
    try {
      const payload = decodeProposalPayload(payloadBytes);
      const { header } = payload;
      if (toHex(blockHash(this.suite, header)) !== valueId || header.height !== BigInt(height))
        return invalid;
      const previous = this.chain.latestBlock();
      if (payload.lastCommit !== undefined) {
        const signers = this.chain.validatorsAt(previous.header.height);
        const check = verifyCommit(this.suite, previous.header, payload.lastCommit, signers);
        if (!check.ok) {
          this.options.log.warn({ height, reason: check.reason }, "proposal carries a bad last commit");
          return invalid;
        }
      }
      if (this.blockTimeAfter(previous, payload.lastCommit) !== header.timeMs) {
        this.options.log.warn({ height }, "proposal's block time is not the BFT time of its last commit");
        return invalid;
      }
      const prepared = this.chain.executeBlock(header, payload.txs);
      this.keepPrepared(valueId, { prepared, payload });
      return { valid: true, blockTimeMs: Number(header.timeMs) } as const;
    } catch (error) {
      if (!(error instanceof LedgerError)) throw error;
      this.options.log.warn({ height, code: error.code, err: error.message }, "invalid proposal");
      return invalid;
    }
  }

  // ---- committing -------------------------------------------------------------------------

  private commitDecided(certificate: CoreCertificate): void {
    const started = performance.now();
    const valueId = certificate.proposal.value.valueId;
    let entry = this.prepared.get(valueId);
    if (entry === undefined) {
      // Decided from the WAL after a restart: execute the block again from its payload.
      const payload = decodeProposalPayload(certificate.proposal.value.payload);
      entry = { prepared: this.chain.executeBlock(payload.header, payload.txs), payload };
    }
    const commit: CommitCertificate = {
      height: BigInt(certificate.height),
      round: certificate.round,
      blockHash: entry.prepared.hash,
      signatures: certificate.precommits.flatMap((vote) => {
        const signed = this.signedVotes.get(voteKey(vote));
        return signed === undefined
          ? []
          : [
              {
                validator: fromHex(vote.validator),
                timestampMs: signed.timestampMs,
                signature: signed.signature,
              },
            ];
      }),
    };
    const certified: Block = { ...entry.prepared.block, commit };
    const previous = this.chain.latestBlock();
    const canonicalPrevious =
      entry.payload.lastCommit === undefined ? undefined : { ...previous, commit: entry.payload.lastCommit };
    this.chain.commit(entry.prepared, certified, canonicalPrevious);
    this.lastRounds = certificate.round + 1;
    this.afterCommit(certified, entry.prepared, started);
    this.options.wal?.rewrite([
      {
        kind: "commit",
        certificate: {
          ...certificate,
          proposal: { ...certificate.proposal, value: { valueId, payload: new Uint8Array(0) } },
        },
      },
    ]);
    this.prepared.clear();
    for (const key of this.signedVotes.keys()) {
      if (Number(key.split("/")[0]) <= certificate.height) this.signedVotes.delete(key);
    }
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
      nowMs: this.options.now(),
    });
  }

  private afterCommit(block: Block, prepared: PreparedBlock, started: number): void {
    if (this.core !== undefined) this.feedScheduledValidatorSet();
    else if (this.running && this.isValidator) {
      this.options.log.info({ height: block.header.height.toString() }, "this node joined the validator set");
      this.startCore([]);
    }
    this.options.mempool.update(this.chain.height, this.options.senderNonce);
    this.options.onCommit({
      block,
      hash: prepared.hash,
      outcome: prepared.outcome,
      commitSeconds: (performance.now() - started) / 1000,
    });
    this.broadcastStatus();
  }

  // ---- gossip, catching up ----------------------------------------------------------------

  private receiveProposal(peerId: string, signed: import("./wire.js").SignedProposal): void {
    if (this.core === undefined) return;
    const current = this.core.snapshot().height;
    if (Number(signed.height) < current || Number(signed.height) > current + 1) return;
    let valueId: string;
    try {
      valueId = toHex(blockHash(this.suite, decodeProposalPayload(signed.payload).header));
    } catch {
      this.options.log.warn({ peer: peerId }, "proposal with an undecodable block");
      return;
    }
    const proposal = openProposal(this.suite, this.chainId, signed, valueId);
    if (proposal === undefined) {
      this.options.log.warn(
        { peer: peerId, height: signed.height.toString() },
        "proposal with a bad signature",
      );
      return;
    }
    this.enqueue({ kind: "proposal", proposal, nowMs: this.options.now() });
  }

  private receiveVote(peerId: string, signed: import("./wire.js").SignedVote): void {
    if (this.core === undefined) return;
    const current = this.core.snapshot().height;
    if (Number(signed.height) < current || Number(signed.height) > current + 1) return;
    const vote = openVote(this.suite, this.chainId, signed);
    if (vote === undefined) {
      this.options.log.warn({ peer: peerId, height: signed.height.toString() }, "vote with a bad signature");
      return;
    }
    if (this.signedVotes.size < MAX_SIGNED_VOTES) this.signedVotes.set(voteKey(vote), signed);
    this.enqueue({ kind: "vote", vote, nowMs: this.options.now() });
  }

  private tick(): void {
    this.broadcastStatus();
    // Stuck at one height since the last tick: our messages may have been lost on a link.
    if (this.chain.height === this.lastProgressHeight) this.resendOwnMessages();
    this.lastProgressHeight = this.chain.height;
    this.maybeSync();
  }

  private broadcastStatus(): void {
    this.options.network.broadcast(
      encodePeerMessage({ kind: "status", value: { height: this.chain.height } }),
    );
  }

  private resendOwnMessages(peerId?: string): void {
    if (this.core === undefined) return;
    for (const message of this.core.ownMessages()) {
      const key = this.options.key as KeyPair;
      const encoded =
        message.type === "proposal"
          ? encodePeerMessage({
              kind: "proposal",
              value: signProposal(this.suite, key, this.chainId, message),
            })
          : encodePeerMessage({ kind: "vote", value: signVote(this.suite, key, this.chainId, message) });
      if (peerId === undefined) this.options.network.broadcast(encoded);
      else this.options.network.send(peerId, encoded);
    }
  }

  /** Asks the most advanced peer for the blocks we lack (one request in flight at a time). */
  private maybeSync(): void {
    const height = this.chain.height;
    let best: [string, bigint] | undefined;
    for (const entry of this.peerHeights)
      if (entry[1] > height && (best === undefined || entry[1] > best[1])) best = entry;
    if (best === undefined || Date.now() - this.syncRequestedAt < 2_000) return;
    this.syncRequestedAt = Date.now();
    this.options.network.send(
      best[0],
      encodePeerMessage({
        kind: "blocksRequest",
        value: { fromHeight: height + 1n, max: SYNC_BATCH_BLOCKS },
      }),
    );
  }

  private answerBlocksRequest(peerId: string, fromHeight: bigint, max: number): void {
    const blocks: Uint8Array[] = [];
    let bytes = 0;
    const last = this.chain.height;
    for (let h = fromHeight; h <= last && blocks.length < Math.min(max, SYNC_BATCH_BLOCKS); h++) {
      const encoded = this.chain.store.getBlock(h);
      if (encoded === undefined || bytes + encoded.length > SYNC_BATCH_BYTES) break;
      blocks.push(encoded);
      bytes += encoded.length;
    }
    if (blocks.length > 0)
      this.options.network.send(peerId, encodePeerMessage({ kind: "blocks", value: blocks }), "low");
  }

  /** Verifies and applies blocks a peer sent: each must carry a valid commit certificate. */
  private applySyncedBlocks(peerId: string, encodedBlocks: Uint8Array[]): void {
    this.syncRequestedAt = 0;
    let applied = 0;
    for (const encoded of encodedBlocks) {
      const started = performance.now();
      try {
        const block = decodeBlock(encoded);
        if (block.header.height !== this.chain.height + 1n) continue;
        if (block.commit === undefined)
          throw new InvalidBlockError("SYNC_NO_COMMIT", "a synced block has no commit certificate");
        const check = verifyCommit(this.suite, block.header, block.commit, this.chain.validators());
        if (!check.ok) throw new InvalidBlockError("SYNC_BAD_COMMIT", check.reason);
        const prepared = this.chain.executeBlock(block.header, block.txs);
        this.chain.commit(prepared, block);
        this.afterCommit(block, prepared, started);
        applied++;
      } catch (error) {
        if (!(error instanceof LedgerError)) throw error;
        this.options.log.warn(
          { peer: peerId, code: error.code, err: error.message },
          "refused a synced block",
        );
        break;
      }
    }
    if (applied > 0) {
      this.options.log.info(
        { peer: peerId, blocks: applied, height: this.chain.height.toString() },
        "caught up from a peer",
      );
      // The core was working on a height that is now committed: start it afresh after our head.
      if (this.core !== undefined) {
        this.options.wal?.rewrite([]);
        this.startCore([]);
      }
      this.maybeSync();
    }
  }
}
