import { pino } from "pino";
import { addressOf } from "../../../app/address.js";
import type { Genesis } from "../../../app/genesis.js";
import { EventQueue } from "../../../consensus/sim/eventQueue.js";
import { Prng } from "../../../consensus/sim/prng.js";
import { getSuite } from "../../../crypto/index.js";
import type { KeyPair, Suite } from "../../../crypto/suite.js";
import { type Faults, faultsAt } from "../../../faults.js";
import { toHex } from "../../../ledger/bytes.js";
import type { StoreFault } from "../../../storage/chain-store.js";
import { MemoryStore } from "../../../storage/memory-store.js";
import { HeadReads } from "../../admission-reads.js";
import { Chain } from "../../chain.js";
import { Mempool } from "../../mempool.js";
import { admitToMempool, isTxRefusal, type TxSource } from "../../tx-admission.js";
import { VerifyBudget } from "../../verify-budget.js";
import { BftEngine, type EngineFault } from "../engine.js";
import type { Clock, PeerNetwork, TimerHandle, Timers } from "../ports.js";
import { openVote } from "../signing.js";
import { decodePeerMessage } from "../wire.js";
import { Byzantine } from "./byzantine.js";
import { EngineChecker, SimulationFailure } from "./checker.js";
import { type EngineFaultCounts, noFaultCounts } from "./fault-counts.js";
import {
  addValidatorOps,
  adminKeys,
  CHAIN_ID,
  clientKey,
  GENESIS_TIME_MS,
  nodeKeys,
  signedTx,
  simGenesis,
  transfer,
} from "./fixture.js";
import { MemoryWal, SimulatedCrash, type WalFault } from "./memory-wal.js";
import { type EngineSchedule, type EngineScheduleOptions, makeEngineSchedule, NODES } from "./schedule.js";
import { simulatedSignatures } from "./sim-suite.js";

export interface EngineRunOptions extends EngineScheduleOptions {
  readonly trace?: (line: string) => void;
  /** A deliberately broken engine on every honest node (broken.test.ts). */
  readonly engineBug?: EngineFault;
  /** Modelled signatures (default, fast) or the real Ed25519 suite. */
  readonly signatures?: "simulated" | "ed25519";
}

export interface EngineRunResult {
  /** The lowest head of the honest nodes at the end. */
  readonly heights: number;
  readonly simTimeMs: number;
  readonly events: number;
  readonly faults: EngineFaultCounts;
}

export { type EngineFaultCounts, noFaultCounts } from "./fault-counts.js";

export const REPLAY = "npm run sim -- --engine --seed";
const MAX_EVENTS = 400_000;
const CLIENT_INTERVAL_MS = 250;
const TIMEOUTS = {
  proposeBaseMs: 400,
  proposeDeltaMs: 100,
  prevoteBaseMs: 150,
  prevoteDeltaMs: 50,
  precommitBaseMs: 150,
  precommitDeltaMs: 50,
};
const silent = pino({ level: "silent" });
const VOTE_TAG = 2;

/** Runs one seeded schedule with the real engine; throws SimulationFailure naming the seed and the replay command. */
export function runEngineSchedule(seed: number, options: EngineRunOptions = {}): EngineRunResult {
  const schedule = makeEngineSchedule(seed, options);
  try {
    return new EngineSimulation(schedule, options).run();
  } catch (error) {
    if (error instanceof SimulationFailure)
      error.message = `seed ${seed}: ${error.message}\n  replay: ${REPLAY} ${seed}${replayFlags(options)}`;
    throw error;
  }
}

function replayFlags(options: EngineRunOptions): string {
  return options.engineBug === undefined ? "" : ` --bug ${options.engineBug}`;
}

type SimEvent =
  | { kind: "deliver"; from: number; to: number; toEpoch: number; data: Uint8Array; seq: number }
  | { kind: "timer"; node: number; epoch: number; run: () => void; cancelled: boolean }
  | { kind: "crash"; node: number; how: "anytime" | "walAppend" | "midCommit"; downMs: number }
  | { kind: "restart"; node: number }
  | { kind: "connect"; node: number; peer: number; epoch: number }
  | { kind: "client" };

/** One node: its "disk" (store and WAL) outlives crashes; the rest is rebuilt on restart. */
interface SimNode {
  readonly index: number;
  readonly key: KeyPair;
  readonly id: string;
  readonly store: MemoryStore;
  readonly wal: MemoryWal;
  /** Crash at the next WAL append / the next commit (armed by a scheduled crash). */
  armed: { wal: boolean; commit: boolean };
  epoch: number;
  up: boolean;
  everDown: boolean;
  running: { engine: BftEngine; chain: Chain; mempool: Mempool } | undefined;
  readonly byzantine: Byzantine | undefined;
}

class EngineSimulation {
  private readonly rng: Prng;
  private readonly netRng: Prng;
  private readonly suite: Suite;
  private readonly genesis: Genesis;
  private readonly queue = new EventQueue<SimEvent>();
  private readonly checker = new EngineChecker();
  private readonly faults = noFaultCounts();
  private readonly nodes: SimNode[];
  private readonly byId = new Map<string, SimNode>();
  private readonly honest: number[];
  private now = 0;
  private events = 0;
  private linkSeq = new Map<string, number>();
  private delivered = new Map<string, number>();
  private readonly txCache = new Map<string, Uint8Array>();
  /** When the last fault ended (restart, heal, GST): liveness is measured from here. */
  private quietFrom: number;

  constructor(
    private readonly schedule: EngineSchedule,
    private readonly options: EngineRunOptions,
  ) {
    this.rng = new Prng(schedule.seed ^ 0x5eed);
    this.netRng = this.rng.fork();
    this.suite = options.signatures === "ed25519" ? getSuite("ed25519") : simulatedSignatures();
    this.genesis = simGenesis(schedule.powers);
    this.quietFrom = schedule.gstMs;
    this.nodes = Array.from({ length: NODES }, (_, index) => this.makeNode(index));
    this.honest = this.nodes.filter((n) => n.byzantine === undefined).map((n) => n.index);
    this.faults.byzantineNodes = NODES - this.honest.length;
    this.faults.partitions = schedule.partitions.length;
    for (const p of schedule.partitions) this.quietFrom = Math.max(this.quietFrom, p.untilMs);
  }

  private makeNode(index: number): SimNode {
    const key = nodeKeys[index] as KeyPair;
    const behaviors = this.schedule.byzantine.get(index);
    const node: SimNode = {
      index,
      key,
      id: toHex(key.publicKey.bytes),
      armed: { wal: false, commit: false },
      store: new MemoryStore(this.crashFault<StoreFault>(() => node, "commit")),
      wal: new MemoryWal(this.crashFault<WalFault>(() => node, "wal")),
      epoch: 0,
      up: false,
      everDown: false,
      running: undefined,
      byzantine:
        behaviors === undefined
          ? undefined
          : new Byzantine(behaviors, key, this.suite, this.rng.fork(), () => this.faults),
    };
    this.byId.set(node.id, node);
    return node;
  }

  /** A fault that, once armed by a scheduled crash, crashes the node where it is asked. */
  private crashFault<P extends string>(node: () => SimNode, where: "wal" | "commit"): Faults<P> {
    return {
      fires: () => {
        const n = node();
        if (!n.armed[where]) return false;
        n.armed[where] = false;
        if (where === "wal") this.faults.walCrashes++;
        else this.faults.commitCrashes++;
        throw new SimulatedCrash(where === "wal" ? "inside a WAL append" : "halfway through a commit");
      },
    };
  }

  run(): EngineRunResult {
    for (const node of this.nodes) this.start(node);
    for (const crash of this.schedule.crashes)
      this.queue.push(crash.atMs, { kind: "crash", node: crash.node, how: crash.kind, downMs: crash.downMs });
    this.queue.push(CLIENT_INTERVAL_MS, { kind: "client" });
    const { heightsAfterGst, livenessWindowMs } = this.schedule;
    let target: bigint | undefined;
    for (;;) {
      const next = this.queue.pop();
      if (next === undefined) throw new SimulationFailure("liveness", "the simulation ran out of events");
      this.now = next.timeMs;
      if (++this.events > MAX_EVENTS)
        throw new SimulationFailure("liveness", `more than ${MAX_EVENTS} events`, { simTimeMs: this.now });
      this.dispatch(next.event);
      if (this.now < this.quietFrom) continue;
      // Liveness: from the end of the last fault, every honest node commits more heights.
      if (target === undefined) {
        let highest = 0n;
        for (const i of this.honest)
          highest = highest > this.checker.head(i) ? highest : this.checker.head(i);
        target = highest + BigInt(heightsAfterGst);
      }
      if (this.checker.lowestHead(this.honest) >= target) break;
      if (this.now > this.quietFrom + livenessWindowMs)
        throw new SimulationFailure(
          "liveness",
          `honest nodes did not reach height ${target} within ${livenessWindowMs} ms after the faults ended`,
          { heads: this.honest.map((i) => this.checker.head(i).toString()), simTimeMs: this.now },
        );
    }
    return {
      heights: Number(this.checker.lowestHead(this.honest)),
      simTimeMs: this.now,
      events: this.events,
      faults: { ...this.faults },
    };
  }

  private trace(line: string): void {
    this.options.trace?.(`${String(this.now).padStart(6)} ms  ${line}`);
  }

  /** Runs one event; a simulated crash thrown inside a node takes that node down. */
  private dispatch(event: SimEvent): void {
    const owner = this.ownerOf(event);
    try {
      this.handle(event);
    } catch (error) {
      if (error instanceof SimulationFailure) throw error;
      if (!(error instanceof SimulatedCrash) || owner === undefined) {
        // The engine threw: a bug it would stop the node with. The seed replays it.
        throw new SimulationFailure(
          "engine-error",
          `node ${owner?.index ?? "-"} threw ${(error as Error).stack}`,
          {},
        );
      }
      this.trace(`node ${owner.index} crashed ${error.message.replace("simulated crash: ", "")}`);
      this.takeDown(owner, this.rng.range(20, 800));
    }
  }

  private ownerOf(event: SimEvent): SimNode | undefined {
    switch (event.kind) {
      case "deliver":
        return this.nodes[event.to];
      case "timer":
      case "crash":
      case "restart":
      case "connect":
        return this.nodes[event.node];
      case "client":
        return undefined;
    }
  }

  private handle(event: SimEvent): void {
    switch (event.kind) {
      case "deliver":
        this.deliver(event);
        return;
      case "timer": {
        const node = this.nodes[event.node] as SimNode;
        if (!event.cancelled && node.up && node.epoch === event.epoch) event.run();
        return;
      }
      case "crash":
        this.crash(this.nodes[event.node] as SimNode, event.how, event.downMs);
        return;
      case "restart": {
        const node = this.nodes[event.node] as SimNode;
        if (node.up) return;
        this.faults.restarts++;
        this.trace(`node ${node.index} restarts from its WAL (${node.wal.records().length} records)`);
        this.start(node);
        return;
      }
      case "connect": {
        const node = this.nodes[event.node] as SimNode;
        const peer = this.nodes[event.peer] as SimNode;
        if (node.up && node.epoch === event.epoch && peer.up) node.running?.engine.onPeerConnected(peer.id);
        return;
      }
      case "client":
        this.client();
        this.queue.push(this.now + CLIENT_INTERVAL_MS, { kind: "client" });
        return;
    }
  }

  private crash(node: SimNode, how: "anytime" | "walAppend" | "midCommit", downMs: number): void {
    if (!node.up) return;
    if (how === "walAppend") node.armed.wal = true;
    else if (how === "midCommit") node.armed.commit = true;
    else {
      this.faults.crashes++;
      this.trace(`node ${node.index} crashes`);
      this.takeDown(node, downMs);
      return;
    }
    // Armed: it crashes at its next WAL append or commit; it comes back `downMs` after that.
    this.pendingDowntime.set(node.index, downMs);
  }

  private readonly pendingDowntime = new Map<number, number>();

  private takeDown(node: SimNode, fallbackDownMs: number): void {
    node.up = false;
    node.everDown = true;
    node.epoch++;
    node.running = undefined;
    node.armed = { wal: false, commit: false };
    const downMs = this.pendingDowntime.get(node.index) ?? fallbackDownMs;
    this.pendingDowntime.delete(node.index);
    const back = this.now + downMs;
    this.quietFrom = Math.max(this.quietFrom, back);
    this.queue.push(back, { kind: "restart", node: node.index });
  }

  private start(node: SimNode): void {
    node.epoch++;
    node.up = true;
    const chain = Chain.open(node.store, this.suite, this.genesis);
    const mempool = new Mempool({
      maxTxs: 10_000,
      maxBytes: 10_000_000,
      nonceWindow: this.genesis.params.nonceWindow,
    });
    const epoch = node.epoch;
    const clock: Clock = {
      now: () =>
        Number(GENESIS_TIME_MS) + 1_000 + this.now + (this.schedule.clockSkewMs[node.index] as number),
    };
    const timers: Timers = {
      after: (delayMs, run): TimerHandle => {
        const event = { kind: "timer" as const, node: node.index, epoch, run, cancelled: false };
        this.queue.push(this.now + delayMs, event);
        return {
          cancel: () => {
            event.cancelled = true;
          },
        };
      },
    };
    const network: PeerNetwork = {
      broadcast: (data) => {
        this.watchOwnVotes(node, data);
        for (const peer of this.nodes) if (peer !== node) this.send(node, peer, data);
      },
      send: (peerId, data) => {
        const peer = this.byId.get(peerId);
        this.watchOwnVotes(node, data);
        if (peer !== undefined) this.send(node, peer, data);
        return true;
      },
    };
    const honest = node.byzantine === undefined;
    const engine = new BftEngine({
      chain,
      mempool,
      key: node.key,
      network,
      wal: node.wal,
      walRecords: node.wal.records(),
      clock,
      timers,
      timeouts: TIMEOUTS,
      maxBlockTxs: 50,
      maxBlockBytes: 1_000_000,
      emptyBlockIntervalMs: 100,
      batchDelayMs: 10,
      senderNonce: (hex) => chain.accountNonce(Buffer.from(hex, "hex")),
      log: silent,
      observer: {
        refused: () => {
          if (honest) this.faults.refused++;
        },
        synced: ({ blocks }) => {
          if (honest && node.everDown && node.index < 4) this.faults.blocksSyncedAfterDown += blocks;
        },
        stepChanged: () => {
          if (node.index === 4 && this.joinedAt === undefined) {
            this.joinedAt = this.now;
            this.faults.validatorSetChanges++;
            this.trace("node 4 joined the validator set");
          }
        },
      },
      ...(honest && this.options.engineBug !== undefined
        ? { faults: faultsAt(new Map([[this.options.engineBug, undefined]])) }
        : {}),
      onCommit: (batch) => {
        for (const committed of batch) {
          if (honest) this.checker.onCommit(node.index, committed, node.store);
          this.trace(
            `node ${node.index} committed ${committed.block.header.height} (${committed.block.txs.length} txs)`,
          );
        }
      },
      onEvidence: () => {
        if (honest) this.faults.evidence++;
      },
    });
    node.running = { engine, chain, mempool };
    engine.start();
    for (const peer of this.nodes) {
      if (peer === node || !peer.up) continue;
      this.queue.push(this.now + 1, { kind: "connect", node: node.index, peer: peer.index, epoch });
      this.queue.push(this.now + 1, {
        kind: "connect",
        node: peer.index,
        peer: node.index,
        epoch: peer.epoch,
      });
    }
  }

  private joinedAt: number | undefined;

  /** Everything a node sends passes here: the honest ones' votes are checked, the Byzantine ones' rewritten. */
  private send(from: SimNode, to: SimNode, data: Uint8Array): void {
    if (from.byzantine === undefined) {
      this.transmit(from, to, data);
      return;
    }
    for (const out of from.byzantine.rewrite(data, to.index)) this.transmit(from, to, out);
  }

  /** An honest node's own votes, as they leave it (peer message tag 2 is a vote). */
  private watchOwnVotes(from: SimNode, data: Uint8Array): void {
    if (from.byzantine !== undefined || data[0] !== VOTE_TAG) return;
    const message = decodePeerMessage(data);
    if (message.kind !== "vote" || toHex(message.value.validator) !== from.id) return;
    const vote = openVote(this.suite, CHAIN_ID, message.value);
    if (vote !== undefined) this.checker.onSignedVote(from.index, vote);
  }

  private transmit(from: SimNode, to: SimNode, data: Uint8Array): void {
    const beforeGst = this.now < this.schedule.gstMs;
    const rng = this.netRng;
    if (beforeGst && this.partitioned(from.index, to.index)) {
      this.faults.dropped++;
      return;
    }
    if (beforeGst && rng.chance(this.schedule.dropPerMille)) {
      this.faults.dropped++;
      return;
    }
    const link = `${from.index}>${to.index}`;
    const seq = (this.linkSeq.get(link) ?? 0) + 1;
    this.linkSeq.set(link, seq);
    const delay = () =>
      beforeGst ? rng.range(0, this.schedule.maxDelayMs) : rng.range(1, this.schedule.deltaMs);
    const event = { kind: "deliver" as const, from: from.index, to: to.index, toEpoch: to.epoch, data, seq };
    this.queue.push(this.now + delay(), event);
    if (beforeGst && rng.chance(this.schedule.duplicatePerMille)) {
      this.faults.duplicated++;
      this.queue.push(this.now + delay(), event);
    }
  }

  private partitioned(a: number, b: number): boolean {
    return this.schedule.partitions.some(
      (p) => p.fromMs <= this.now && this.now < p.untilMs && p.side.includes(a) !== p.side.includes(b),
    );
  }

  private deliver(event: Extract<SimEvent, { kind: "deliver" }>): void {
    const to = this.nodes[event.to] as SimNode;
    const from = this.nodes[event.from] as SimNode;
    // A restart breaks the link: what was in flight to the old process is lost.
    if (!to.up || to.epoch !== event.toEpoch || to.running === undefined) return;
    const link = `${event.from}>${event.to}`;
    const last = this.delivered.get(link) ?? 0;
    if (event.seq < last) this.faults.reordered++;
    else this.delivered.set(link, event.seq);
    const running = to.running;
    running.engine.onPeerMessage(from.id, event.data, (tx) =>
      this.admit(to, tx, { kind: "peer", id: from.id }),
    );
    to.byzantine?.observe(event.data, running.chain, (out) => {
      for (const peer of this.nodes) if (peer !== to) this.transmit(to, peer, out);
    });
  }

  private readonly budgets = new Map<number, VerifyBudget>();
  /** Each running chain's admission reads, as a node keeps them (a restart opens a new chain). */
  private readonly headReads = new WeakMap<object, HeadReads>();

  /** The node's real admission path (mempool checks, then the signature). */
  private admit(node: SimNode, bytes: Uint8Array, source: TxSource): void {
    const running = node.running;
    if (running === undefined) return;
    let budget = this.budgets.get(node.index);
    if (budget === undefined) {
      budget = new VerifyBudget({ perSecond: 1e9, burst: 1e9, maxClients: 100 }, () => this.now);
      this.budgets.set(node.index, budget);
    }
    let headReads = this.headReads.get(running.chain);
    if (headReads === undefined) {
      headReads = new HeadReads(running.chain.state);
      this.headReads.set(running.chain, headReads);
    }
    try {
      admitToMempool(
        {
          suite: this.suite,
          chain: running.chain,
          mempool: running.mempool,
          clientBudget: budget,
          peerBudget: budget,
          headReads,
        },
        bytes,
        source,
      );
    } catch (error) {
      if (isTxRefusal(error)) return; // known already, or not yet valid here
      throw error;
    }
    running.engine.onTxAdmitted();
    if (source.kind === "client") running.engine.gossipTx(bytes);
  }

  /** A client sends its next transfers, and the organisation admins their governance votes, to a random up node. */
  private client(): void {
    const up = this.honest.map((i) => this.nodes[i] as SimNode).filter((n) => n.running !== undefined);
    if (up.length === 0) return;
    const node = this.rng.pick(up);
    const chain = (node.running as { chain: Chain }).chain;
    const nonceOf = (key: KeyPair) => chain.accountNonce(addressOf(this.suite.hash, key.publicKey.bytes));
    const submit = (key: KeyPair, nonce: bigint, op: () => Parameters<typeof signedTx>[3]) => {
      const cacheKey = `${toHex(key.publicKey.bytes)}/${nonce}`;
      let bytes = this.txCache.get(cacheKey);
      if (bytes === undefined) {
        bytes = signedTx(this.suite, key, nonce, op());
        this.txCache.set(cacheKey, bytes);
      }
      this.admit(node, bytes, { kind: "client", address: "client" });
    };
    const next = nonceOf(clientKey);
    for (let i = 0n; i < 3n; i++) submit(clientKey, next + i, () => transfer(1n + next + i));
    const join = this.schedule.join;
    if (join === null || this.now < join.atMs) return;
    const ops = addValidatorOps(join.power);
    const [first, ...others] = adminKeys as [KeyPair, ...KeyPair[]];
    if (nonceOf(first) === 0n) submit(first, 0n, () => ops.propose);
    else for (const admin of others) if (nonceOf(admin) === 0n) submit(admin, 0n, () => ops.approve);
  }
}
