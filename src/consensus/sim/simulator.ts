import { faultsAt } from "../../faults.js";
import { ConsensusCore } from "../core/core.js";
import type {
  CommitCertificate,
  ConsensusConfig,
  ConsensusMessage,
  Effect,
  Input,
  Proposal,
  TimeoutConfig,
  TimeoutRef,
  Verdict,
  Vote,
} from "../core/types.js";
import { ValidatorSet } from "../core/validatorSet.js";
import { restore } from "../core/wal.js";
import { buildBlock, type ChainView, decodeBlock, encodeBlock, validateBlock } from "./app.js";
import { Checker, SimulationFailure } from "./checker.js";
import { EventQueue } from "./eventQueue.js";
import { SimNode } from "./node.js";
import { Prng } from "./prng.js";
import { makeSchedule, type Schedule, type ScheduleOptions } from "./schedule.js";

/** Local clocks start here (plus each node's skew), so timestamps look like real epoch ms. */
const EPOCH_MS = 1_700_000_000_000;
const INITIAL_HEIGHT = 1;
const GOSSIP_INTERVAL_MS = 200;
const MAX_EVENTS = 2_000_000;
/** L5's conditions hold with Δ ≤ 50: propose(r) > 2Δ + precommit(r−1), prevote, precommit > 2Δ. */
export const SIM_TIMEOUTS: TimeoutConfig = {
  proposeBaseMs: 300,
  proposeDeltaMs: 50,
  prevoteBaseMs: 150,
  prevoteDeltaMs: 50,
  precommitBaseMs: 150,
  precommitDeltaMs: 50,
};

type SimEvent =
  | { readonly kind: "start"; readonly node: number }
  | {
      readonly kind: "deliver";
      readonly to: number;
      readonly from: number;
      readonly message: ConsensusMessage;
    }
  | {
      readonly kind: "timeout";
      readonly node: number;
      readonly incarnation: number;
      readonly timeout: TimeoutRef;
    }
  | { readonly kind: "status"; readonly to: number; readonly from: number; readonly height: number }
  | { readonly kind: "gossip"; readonly node: number }
  | { readonly kind: "crash"; readonly node: number; readonly afterPersist: boolean }
  | { readonly kind: "restart"; readonly node: number }
  | { readonly kind: "gst" };

export interface FaultCounts {
  dropped: number;
  duplicated: number;
  partitions: number;
  crashes: number;
  byzantineNodes: number;
  byzantineMessages: number;
  evidence: number;
  validatorSetChanges: number;
  /** Proposals a correct node's app judged invalid (bad time, marked invalid, wrong parent). */
  invalidProposals: number;
}

export interface RunResult {
  readonly seed: number;
  /** Lowest height committed by every correct node. */
  readonly heights: number;
  readonly simTimeMs: number;
  /** Simulated time from GST until every correct node had its heights (the liveness bound's use). */
  readonly afterGstMs: number;
  readonly events: number;
  readonly faults: FaultCounts;
}

export interface RunOptions extends ScheduleOptions {
  /** Test-only: skip the "2f+1 precommits" check of commits, leaving agreement to catch a weak quorum. */
  readonly skipCertificateCheck?: boolean;
  /** Called with one line per event and effect (the replay trace). */
  readonly trace?: (line: string) => void;
}

/** Run one seeded schedule; throws SimulationFailure (with the seed) if a property fails. */
export function runSchedule(seed: number, options: RunOptions = {}): RunResult {
  const schedule = makeSchedule(seed, options);
  try {
    return new Simulation(schedule, options.trace, !options.skipCertificateCheck).run();
  } catch (error) {
    if (error instanceof SimulationFailure) {
      error.message = `seed ${seed}: ${error.message}\n  replay: npx tsx src/consensus/sim/cli.ts --seed ${seed}`;
    }
    throw error;
  }
}

function messageKey(m: ConsensusMessage): string {
  return m.type === "proposal"
    ? `P/${m.proposer}/${m.height}/${m.round}/${m.validRound}/${m.value.valueId}`
    : `V/${m.type}/${m.validator}/${m.height}/${m.round}/${m.valueId}/${m.timestampMs}`;
}

function author(m: ConsensusMessage): string {
  return m.type === "proposal" ? m.proposer : m.validator;
}

class Simulation {
  private now = 0;
  private events = 0;
  private readonly queue = new EventQueue<SimEvent>();
  private readonly net: Prng;
  private readonly byz: Prng;
  private readonly nodes: SimNode[];
  private readonly byId = new Map<string, SimNode>();
  /** The simulated signature scheme: what each node really signed. */
  private readonly signatures = new Set<string>();
  private readonly checker: Checker;
  private readonly initialSet: ValidatorSet;
  private readonly changedSet: ValidatorSet | null;
  private readonly baseline = new Map<number, number>();
  private gstReached = false;
  private readonly faults: FaultCounts;

  constructor(
    private readonly schedule: Schedule,
    private readonly trace: ((line: string) => void) | undefined,
    checkCertificates: boolean,
  ) {
    const rng = new Prng(schedule.seed ^ 0x5eed5eed);
    this.net = rng.fork();
    this.byz = rng.fork();
    const ids = schedule.powers.map((_, i) => `v${i}`);
    const validators = (powers: readonly bigint[]) =>
      powers.flatMap((power, i) => (power > 0n ? [{ id: ids[i] ?? "", power }] : []));
    const initial = validators(schedule.powers);
    this.initialSet = new ValidatorSet(initial);
    const change = schedule.validatorSetChange;
    this.changedSet = change ? new ValidatorSet(validators(change.powers)) : null;
    this.nodes = ids.map((id, i) => {
      const config: ConsensusConfig = {
        self: id,
        initialHeight: INITIAL_HEIGHT,
        genesisTimeMs: EPOCH_MS,
        validators: initial,
        timeouts: SIM_TIMEOUTS,
        ...(schedule.unsafeBug && !schedule.byzantine.has(i)
          ? { faults: faultsAt(new Map([[schedule.unsafeBug, undefined]])) }
          : {}),
      };
      return new SimNode(i, id, config, schedule.byzantine.get(i));
    });
    for (const node of this.nodes) this.byId.set(node.id, node);
    this.checker = new Checker(
      {
        initialHeight: INITIAL_HEIGHT,
        genesisTimeMs: EPOCH_MS,
        validatorsAt: (h) => this.validatorsAt(h),
        isSigned: (v) => this.isSigned(v),
      },
      (id) => this.byId.get(id)?.correct ?? false,
      checkCertificates,
    );
    this.faults = {
      dropped: 0,
      duplicated: 0,
      partitions: schedule.partitions.length,
      crashes: 0,
      byzantineNodes: schedule.byzantine.size,
      byzantineMessages: 0,
      evidence: 0,
      validatorSetChanges: change ? 1 : 0,
      invalidProposals: 0,
    };
  }

  run(): RunResult {
    const s = this.schedule;
    for (const node of this.nodes) {
      this.queue.push(this.net.range(0, 20), { kind: "start", node: node.index });
      this.queue.push(this.net.range(1, GOSSIP_INTERVAL_MS), { kind: "gossip", node: node.index });
    }
    for (const c of s.crashes) {
      this.queue.push(c.atMs, { kind: "crash", node: c.node, afterPersist: c.afterPersist });
      this.queue.push(c.restartMs, { kind: "restart", node: c.node });
    }
    this.queue.push(s.gstMs, { kind: "gst" });
    this.trace?.(this.describeSchedule());
    for (;;) {
      const next = this.queue.pop();
      if (!next) throw new SimulationFailure("liveness", "the event queue ran dry");
      this.now = next.timeMs;
      if (++this.events > MAX_EVENTS)
        throw new SimulationFailure("liveness", "too many events", { now: this.now });
      this.handle(next.event);
      if (this.gstReached && this.done()) break;
      if (this.gstReached && this.now > s.gstMs + s.livenessWindowMs) {
        throw new SimulationFailure("liveness", "correct nodes stopped committing after GST", {
          gstMs: s.gstMs,
          heights: this.correctNodes().map((n) => `${n.id}@${n.committedHeight()}`),
        });
      }
    }
    return {
      seed: s.seed,
      heights: Math.min(...this.correctNodes().map((n) => n.committedHeight())),
      simTimeMs: this.now,
      afterGstMs: this.now - s.gstMs,
      events: this.events,
      faults: this.faults,
    };
  }

  private done(): boolean {
    const s = this.schedule;
    return this.correctNodes().every((n) => {
      const h = n.committedHeight();
      return (
        h >= (this.baseline.get(n.index) ?? 0) + s.heightsAfterGst && h >= INITIAL_HEIGHT - 1 + s.minHeights
      );
    });
  }

  private correctNodes(): SimNode[] {
    return this.nodes.filter((n) => n.correct);
  }

  private validatorsAt(height: number): ValidatorSet {
    const change = this.schedule.validatorSetChange;
    return change && this.changedSet && height >= change.fromHeight ? this.changedSet : this.initialSet;
  }

  private isSigned(vote: Vote): boolean {
    // A faulty validator can sign anything as itself; a correct one's signature cannot be forged.
    return this.signatures.has(messageKey(vote)) || !(this.byId.get(vote.validator)?.correct ?? false);
  }

  // ---- events -------------------------------------------------------------------------

  private handle(event: SimEvent): void {
    if (this.trace && event.kind !== "deliver" && event.kind !== "status")
      this.trace(`${this.now} ${JSON.stringify(event)}`);
    switch (event.kind) {
      case "start": {
        const node = this.node(event.node);
        if (node.core || node.wal.length > 0) return; // crashed before starting: the restart starts it
        node.core = new ConsensusCore(node.config);
        this.input(node, { kind: "start", nowMs: this.clock(node) });
        return;
      }
      case "deliver":
        this.deliver(event.to, event.from, event.message);
        return;
      case "status":
        this.receiveStatus(event.to, event.from, event.height);
        return;
      case "timeout": {
        const node = this.node(event.node);
        if (node.core && node.incarnation === event.incarnation) {
          this.input(node, { kind: "timeout", timeout: event.timeout, nowMs: this.clock(node) });
        }
        return;
      }
      case "gossip":
        this.gossip(this.node(event.node));
        this.queue.push(this.now + GOSSIP_INTERVAL_MS, event);
        return;
      case "crash": {
        const node = this.node(event.node);
        if (!node.core) return;
        if (event.afterPersist) {
          node.crashAfterPersist = true;
          return;
        }
        node.crash();
        this.faults.crashes++;
        return;
      }
      case "restart": {
        const node = this.node(event.node);
        node.crashAfterPersist = false;
        if (!node.core) this.restart(node);
        return;
      }
      case "gst":
        this.gstReached = true;
        for (const n of this.correctNodes()) {
          n.crashAfterPersist = false;
          // A node crashed at GST would not be "correct and up"; the schedule restarts all by GST.
          if (!n.core) this.restart(n);
          this.baseline.set(n.index, n.committedHeight());
        }
        return;
    }
  }

  /**
   * Restart from disk. A crash may fall between the WAL's commit record and the app applying
   * it: the shell re-applies committed certificates the block store lacks, then starts the core.
   */
  private restart(node: SimNode): void {
    node.core = restore(node.config, node.wal);
    const nowMs = this.clock(node);
    const pending: Input[] = [];
    for (const record of node.wal) {
      if (record.kind === "commit" && !node.blocks.has(record.certificate.height)) {
        this.commit(node, record.certificate, pending, nowMs);
      }
    }
    this.input(node, [...pending, { kind: "start", nowMs }]);
  }

  private deliver(to: number, from: number, message: ConsensusMessage): void {
    const node = this.node(to);
    const core = node.core;
    if (!core) return;
    this.trace?.(`${this.now} deliver ${this.nodes[from]?.id}->${node.id} ${messageKey(message)}`);
    const height = core.snapshot().height;
    if (message.height === height) this.input(node, this.asInput(node, message));
    else if (message.height === height + 1) node.bufferNextHeight(from, message);
  }

  /** A peer's status (CometBFT's NewRoundStep): if it is behind, our next gossip helps it. */
  private receiveStatus(to: number, from: number, peerHeight: number): void {
    const node = this.node(to);
    const core = node.core;
    if (core && peerHeight < core.snapshot().height) node.lagging.set(from, peerHeight);
  }

  private asInput(node: SimNode, message: ConsensusMessage): Input {
    const nowMs = this.clock(node);
    return message.type === "proposal"
      ? { kind: "proposal", proposal: message, nowMs }
      : { kind: "vote", vote: message, nowMs };
  }

  /** Run an input and everything it causes inside the node (app answers are immediate). */
  private input(node: SimNode, first: Input | Input[]): void {
    const pending: Input[] = Array.isArray(first) ? first : [first];
    for (let input = pending.shift(); input; input = pending.shift()) {
      const core = node.core;
      if (!core) return;
      for (const effect of core.step(input)) {
        if (node.core !== core) return; // crashed mid-step: the remaining effects never happen
        this.perform(node, effect, pending);
      }
    }
  }

  private perform(node: SimNode, effect: Effect, pending: Input[]): void {
    if (this.trace) this.trace(`${this.now}   ${node.id} ${describeEffect(effect)}`);
    const nowMs = this.clock(node);
    switch (effect.kind) {
      case "persist":
        node.wal.push(effect.record);
        if (node.crashAfterPersist) {
          this.trace?.(`${this.now}   ${node.id} crashes after the WAL write`);
          node.crash();
          this.faults.crashes++;
        }
        return;
      case "broadcast":
        this.broadcast(node, effect.message);
        return;
      case "scheduleTimeout":
        this.queue.push(this.now + effect.durationMs, {
          kind: "timeout",
          node: node.index,
          incarnation: node.incarnation,
          timeout: effect.timeout,
        });
        return;
      case "requestValue": {
        const value = encodeBlock(this.proposeBlock(node, effect.height, effect.round));
        pending.push({ kind: "value", height: effect.height, round: effect.round, value, nowMs });
        return;
      }
      case "requestValidation": {
        const verdict = this.validate(node, effect.height, effect.payload);
        pending.push({ kind: "validation", height: effect.height, valueId: effect.valueId, verdict, nowMs });
        return;
      }
      case "commit":
        this.commit(node, effect.certificate, pending, nowMs);
        return;
      case "evidence":
        this.faults.evidence++;
        if (node.correct) this.checker.onEvidence(effect.evidence);
        return;
    }
  }

  private commit(node: SimNode, cert: CommitCertificate, pending: Input[], nowMs: number): void {
    node.blocks.set(cert.height, cert);
    if (node.correct) this.checker.onCommit(node.id, cert);
    const change = this.schedule.validatorSetChange;
    if (change && cert.height === change.onCommitOf && this.changedSet) {
      pending.push({
        kind: "validatorSet",
        fromHeight: change.fromHeight,
        validators: this.changedSet.validators,
        nowMs,
      });
    }
    const buffered = node.nextHeight;
    node.nextHeight = [];
    for (const b of buffered) pending.push(this.asInput(node, b.message));
  }

  // ---- the app ------------------------------------------------------------------------

  private chainOf(node: SimNode): ChainView {
    return {
      initialHeight: INITIAL_HEIGHT,
      genesisTimeMs: EPOCH_MS,
      validatorsAt: (h) => this.validatorsAt(h),
      committed: (h) => node.blocks.get(h),
      isSigned: (v) => this.isSigned(v),
    };
  }

  private proposeBlock(node: SimNode, height: number, round: number) {
    const block = buildBlock(this.chainOf(node), height, round, node.id);
    if (node.has("invalidProposal") && this.byz.chance(700)) return { ...block, invalid: true as const };
    if (node.has("lieTime") && this.byz.chance(700)) {
      const shift = this.byz.range(1, 1_000_000) * (this.byz.chance(500) ? 1 : -1);
      return { ...block, timeMs: block.timeMs + shift };
    }
    return block;
  }

  private validate(node: SimNode, height: number, payload: Uint8Array): Verdict {
    if (node.correct) {
      const verdict = validateBlock(this.chainOf(node), height, payload);
      if (!verdict.valid) this.faults.invalidProposals++;
      return verdict;
    }
    // A faulty node's app takes anything that parses.
    const block = decodeBlock(payload);
    return block && block.h === height ? { valid: true, blockTimeMs: block.timeMs } : { valid: false };
  }

  // ---- the network --------------------------------------------------------------------

  private broadcast(node: SimNode, message: ConsensusMessage): void {
    if (!node.correct) {
      this.byzantineBroadcast(node, message);
      return;
    }
    this.checker.onSigned(message);
    this.sign(message);
    for (const peer of this.nodes) if (peer !== node) this.send(node.index, peer.index, message);
  }

  private byzantineBroadcast(node: SimNode, original: ConsensusMessage): void {
    if (node.has("silent")) return;
    const peers = this.byz.shuffle(this.nodes.filter((p) => p !== node).map((p) => p.index));
    // A random split, so that sometimes a single peer sees the "real" message (the hard case for locks).
    // Often a single peer sees the real precommit: it alone can decide (the hard case for locks).
    const half =
      original.type === "precommit" && this.byz.chance(500)
        ? 1
        : this.byz.range(1, Math.max(1, peers.length - 1));
    let message = original;
    if (message.type !== "proposal" && node.has("lieTime")) {
      const shift = this.byz.range(1, 10_000_000) * (this.byz.chance(500) ? 1 : -1);
      message = { ...message, timestampMs: message.timestampMs + shift };
    }
    if (message.type === "proposal" && message.validRound >= 0 && node.has("amnesia")) {
      const fresh = encodeBlock(this.proposeBlock(node, message.height, message.round));
      message = { ...message, value: fresh, validRound: -1 };
    }
    let other: ConsensusMessage | null = null;
    if (message.type === "proposal" && node.has("equivocateProposal")) {
      const block = decodeBlock(message.value.payload);
      if (block)
        other = {
          ...message,
          value: encodeBlock({ ...block, nonce: this.byz.nextU32() }),
        } satisfies Proposal;
    } else if (message.type !== "proposal" && node.has("equivocateVotes")) {
      other = { ...message, valueId: message.valueId === null ? `forged${this.byz.nextU32()}` : null };
    }
    this.sign(message);
    if (other) this.sign(other);
    peers.forEach((peer, i) => {
      this.faults.byzantineMessages++;
      this.send(node.index, peer, other && i >= half ? other : message);
    });
  }

  /** Floods of messages for future rounds and heights, to test the core's bounds and rule 55. */
  private flood(node: SimNode): void {
    const core = node.core;
    if (!core) return;
    const { height, round } = core.snapshot();
    for (let k = 1; k <= 4; k++) {
      const targets: [number, number][] = [
        [height, round + k * this.byz.range(1, 5)],
        [height + k, this.byz.range(0, 3)],
      ];
      for (const [h, r] of targets) {
        const vote: Vote = {
          type: this.byz.chance(500) ? "prevote" : "precommit",
          height: h,
          round: r,
          valueId: `flood${this.byz.nextU32()}`,
          validator: node.id,
          timestampMs: this.clock(node),
        };
        this.sign(vote);
        for (const peer of this.nodes) {
          if (peer === node) continue;
          this.faults.byzantineMessages++;
          this.send(node.index, peer.index, vote);
        }
      }
    }
  }

  private sign(message: ConsensusMessage): void {
    this.signatures.add(messageKey(message));
  }

  private send(from: number, to: number, message: ConsensusMessage): void {
    const sender = this.node(from);
    // A node signs what it sends as itself; anything else it sends must be a relay of a real signature.
    if (author(message) === sender.id) this.sign(message);
    else if (!this.signatures.has(messageKey(message))) {
      throw new Error(`sim bug: ${sender.id} forged a message of ${author(message)}`);
    }
    const beforeGst = this.now < this.schedule.gstMs;
    if (beforeGst && (this.partitioned(from, to) || this.net.chance(this.schedule.dropPerMille))) {
      this.faults.dropped++;
      return;
    }
    const maxDelay = beforeGst ? this.schedule.maxDelayBeforeGstMs : this.schedule.deltaMs;
    this.queue.push(this.now + this.net.range(1, maxDelay), { kind: "deliver", to, from, message });
    if (this.net.chance(this.schedule.duplicatePerMille)) {
      this.faults.duplicated++;
      this.queue.push(this.now + this.net.range(1, maxDelay), { kind: "deliver", to, from, message });
    }
  }

  private sendStatus(from: number, to: number, height: number): void {
    if (
      this.now < this.schedule.gstMs &&
      (this.partitioned(from, to) || this.net.chance(this.schedule.dropPerMille))
    ) {
      return;
    }
    const maxDelay =
      this.now < this.schedule.gstMs ? this.schedule.maxDelayBeforeGstMs : this.schedule.deltaMs;
    this.queue.push(this.now + this.net.range(1, maxDelay), { kind: "status", to, from, height });
  }

  private partitioned(a: number, b: number): boolean {
    return this.schedule.partitions.some(
      (p) => p.startMs <= this.now && this.now < p.endMs && p.groupOf[a] !== p.groupOf[b],
    );
  }

  /**
   * The shell's gossip: when a node made no progress for a tick it re-sends what it signed in
   * this height (messages may have been lost before GST), and it sends peers that
   * are behind the commit certificate of their height (votes first, then the proposal).
   */
  private gossip(node: SimNode): void {
    const core = node.core;
    if (!core) return;
    const snap = core.snapshot();
    const progress = `${snap.height}/${snap.round}/${snap.step}`;
    if (progress === node.lastProgress) {
      // All rounds: rule 28 needs the prevotes of a proposal's validRound, however old.
      for (const m of core.ownMessages()) this.broadcast(node, m);
    }
    node.lastProgress = progress;
    if (!node.has("silent")) {
      for (const [peer, height] of node.lagging) {
        const cert = node.blocks.get(height);
        if (!cert) continue;
        for (const vote of cert.precommits) this.send(node.index, peer, vote);
        this.send(node.index, peer, cert.proposal);
      }
    }
    node.lagging.clear();
    if (node.has("flood")) this.flood(node);
    if (!node.has("silent")) {
      for (const peer of this.nodes) if (peer !== node) this.sendStatus(node.index, peer.index, snap.height);
    }
  }

  // ---- helpers ------------------------------------------------------------------------

  private node(index: number): SimNode {
    const node = this.nodes[index];
    if (!node) throw new Error(`sim bug: no node ${index}`);
    return node;
  }

  private clock(node: SimNode): number {
    return EPOCH_MS + this.now + (this.schedule.skewMs[node.index] ?? 0);
  }

  private describeSchedule(): string {
    const s = this.schedule;
    return JSON.stringify(
      {
        seed: s.seed,
        powers: s.powers.map(String),
        byzantine: Object.fromEntries(s.byzantine),
        gstMs: s.gstMs,
        dropPerMille: s.dropPerMille,
        duplicatePerMille: s.duplicatePerMille,
        maxDelayBeforeGstMs: s.maxDelayBeforeGstMs,
        deltaMs: s.deltaMs,
        partitions: s.partitions,
        crashes: s.crashes,
        validatorSetChange: s.validatorSetChange && {
          ...s.validatorSetChange,
          powers: s.validatorSetChange.powers.map(String),
        },
      },
      null,
      0,
    );
  }
}

function describeEffect(effect: Effect): string {
  switch (effect.kind) {
    case "broadcast":
      return `broadcast ${messageKey(effect.message)}`;
    case "persist":
      return `persist ${effect.record.kind}`;
    case "scheduleTimeout":
      return `scheduleTimeout ${effect.timeout.kind} h${effect.timeout.height} r${effect.timeout.round} +${effect.durationMs}ms`;
    case "requestValue":
      return `requestValue h${effect.height} r${effect.round}`;
    case "requestValidation":
      return `requestValidation h${effect.height} ${effect.valueId.slice(0, 12)}`;
    case "commit":
      return `commit h${effect.certificate.height} r${effect.certificate.round} ${effect.certificate.proposal.value.valueId.slice(0, 12)} time ${effect.certificate.blockTimeMs}`;
    case "evidence":
      return `evidence ${effect.evidence.first.validator} h${effect.evidence.first.height} r${effect.evidence.first.round} ${effect.evidence.first.type}`;
  }
}
