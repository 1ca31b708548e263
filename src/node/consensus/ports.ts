import type { Step, Vote, WalRecord } from "../../consensus/index.js";

/**
 * What the BFT engine takes from the world, as TigerBeetle's replica takes its message bus,
 * storage and time: the node passes the real ones (system clock and timers, the TLS transport,
 * the WAL file), the engine simulator (sim/) passes simulated ones it controls from a seed.
 */

/** The local clock (ms since the epoch). Only votes' BFT-time stamps and timer bookkeeping read it. */
export { type Clock, systemClock } from "../../clock.js";

export interface TimerHandle {
  cancel(): void;
}

/** One-shot timers: `run` is called once, `delayMs` from now, unless cancelled first. */
export interface Timers {
  after(delayMs: number, run: () => void): TimerHandle;
}

/** What the engine needs of the transport: opaque bytes to one peer or to all. */
export interface PeerNetwork {
  /** "low" messages may be dropped for a slow peer; "high" ones (consensus) close its link instead. */
  broadcast(payload: Uint8Array, priority?: "high" | "low"): void;
  send(peerId: string, payload: Uint8Array, priority?: "high" | "low"): boolean;
}

/**
 * The consensus write-ahead log. The engine reads it once at start (the records are passed in
 * with it), appends before it sends what a record holds, and starts it afresh after each commit.
 * `WalFile` (wal-file.ts) is the durable one; the simulator keeps its records in memory.
 */
export interface ConsensusWal {
  /**
   * Returns only once the records are durable (one fsync for them all): the engine sends right
   * after. A checkpoint given before is made durable with them, first.
   */
  append(records: readonly WalRecord[]): void;
  /**
   * After a commit: the log is to hold only `records` from now on. What it replaces concerns
   * heights the store already holds, which restoring ignores, so the checkpoint need not be
   * durable at once: it becomes durable with the next append (or never, after a crash, which
   * leaves those ignored records). Saves a commit's rename and fsyncs on the consensus path.
   */
  checkpoint(records: readonly WalRecord[]): void;
  close(): void;
}

/**
 * What the engine tells whoever watches it (metrics, the simulator's checker). Every method is
 * optional and called synchronously from the event loop; it must not call back into the engine.
 */
export interface EngineObserver {
  /** The core moved to another height, round or step. */
  stepChanged?(event: { height: number; round: number; step: Step }): void;
  /**
   * A vote with a valid signature, ours or a peer's, of a height being decided; when this is
   * set, also the late ones of the height just decided (who voted at all, not only in time).
   */
  voted?(vote: Vote): void;
  /**
   * This node built a block to propose: how long the request for a value waited before building
   * began (the batching delay, or the idle interval with nothing pending) and how long building
   * took (reap, execute, encode), in the engine's clock.
   */
  proposalBuilt?(event: {
    height: number;
    round: number;
    txs: number;
    waitedMs: number;
    buildMs: number;
  }): void;
  /** A peer's proposal or vote is about to have its signature verified (counted per message). */
  signatureChecked?(kind: "proposal" | "vote"): void;
  /** This node signed and sent a proposal. */
  proposed?(event: { height: number; round: number; validRound: number }): void;
  /**
   * A height was decided by consensus here (not by block sync): in which round, who proposed,
   * the validators whose precommit is in the certificate and those missing from it, and the
   * proposers of the earlier rounds of the height, which failed to get a block decided.
   */
  decided?(event: {
    height: number;
    round: number;
    proposer: string;
    signers: readonly string[];
    missing: readonly string[];
    failedProposers: readonly string[];
  }): void;
  /**
   * The engine's status tick ran (every 500 ms of its timers, whatever consensus is doing): time
   * passing inside the node, which a stalled chain shows although no round can end.
   */
  ticked?(): void;
  /** Blocks applied from a peer by block sync. */
  synced?(event: { peer: string; blocks: number; height: bigint }): void;
  /**
   * Blocks below a restored node's snapshot, checked and stored (backfill); `historyFrom`, the
   * lowest height from which on every block is held, undefined once all are.
   */
  backfilled?(event: { peer: string; blocks: number; historyFrom: bigint | undefined }): void;
  /** A peer's message was refused (bad signature, undecodable, invalid block): one line of the warn log. */
  refused?(event: { peer: string; reason: string }): void;
}

export const systemTimers: Timers = {
  after: (delayMs, run) => {
    const timer = setTimeout(run, delayMs);
    return { cancel: () => clearTimeout(timer) };
  },
};
