import { invariant } from "../../errors.js";
import { type Faults, noFaults } from "../../faults.js";
import { voteTimestamp } from "./bftTime.js";
import { consensusError } from "./errors.js";
import { MessageLog, type RoundLog } from "./messageLog.js";
import { proposer } from "./proposer.js";
import { timeoutDuration } from "./timeouts.js";
import type {
  CommitCertificate,
  ConsensusConfig,
  ConsensusMessage,
  Effect,
  Input,
  Proposal,
  Step,
  TimeoutRef,
  UnsafeBug,
  Validator,
  Value,
  Verdict,
  Vote,
  VoteType,
  WalRecord,
} from "./types.js";
import { isOneThird, isQuorum, ValidatorSchedule, ValidatorSet } from "./validatorSet.js";

const DEFAULT_MAX_FUTURE_ROUNDS = 4;
const DEFAULT_MAX_PROPOSALS = 4;
/** Rules can only fire a bounded number of times per input (each changes step, round or height). */
const MAX_RULE_FIRINGS = 10_000;

/** A read-only view of the core's state, for the shell's status page and for tests. */
export interface ConsensusSnapshot {
  readonly height: number;
  readonly round: number;
  readonly step: Step;
  readonly lockedValue: Value | null;
  readonly lockedRound: number;
  readonly validValue: Value | null;
  readonly validRound: number;
  readonly lastBlockTimeMs: number;
}

/**
 * Algorithm 1 of "The latest gossip on BFT consensus" (arXiv 1807.04938) as a deterministic
 * state machine: `step(input)` returns the effects the shell must perform, in order. No I/O,
 * no clock (the shell passes `nowMs`), no randomness. The shell verifies signatures before an
 * input reaches the core and signs what the core broadcasts.
 *
 * Own messages are applied to the log directly; the shell need not loop them back.
 */
export class ConsensusCore {
  // The paper's state (line 1-10), for the current height h_p.
  private height: number;
  private round = 0;
  private stepP: Step = "propose";
  private lockedValue: Value | null = null;
  private lockedRound = -1;
  private validValue: Value | null = null;
  private validRound = -1;
  /** Time of the last committed block: correct votes are stamped after it (BFT time). */
  private lastBlockTimeMs: number;

  private readonly schedule = new ValidatorSchedule();
  private log: MessageLog;
  private verdicts = new Map<string, Verdict>();
  private pendingValidation = new Set<string>();
  /** "for the first time" rules (34, 36, 47), as `${line}/${round}`. */
  private fired = new Set<string>();
  /** What we signed at this height: never sign a second, different one (also across restarts). */
  private signedVotes = new Map<string, Vote>();
  private signedProposals = new Map<number, Proposal>();
  private awaitingValueRound: number | null = null;
  private started = false;
  private restored = false;

  private nowMs = 0;
  private effects: Effect[] = [];
  private readonly faults: Faults<UnsafeBug>;

  constructor(private readonly config: ConsensusConfig) {
    this.faults = config.faults ?? noFaults();
    this.height = config.initialHeight;
    this.lastBlockTimeMs = config.genesisTimeMs;
    this.schedule.add(config.initialHeight, new ValidatorSet(config.validators));
    this.log = this.newLog();
  }

  /** Rebuild a node from its write-ahead log (see wal.ts). */
  static restore(config: ConsensusConfig, records: readonly WalRecord[]): ConsensusCore {
    const core = new ConsensusCore(config);
    core.replay(records);
    return core;
  }

  snapshot(): ConsensusSnapshot {
    return {
      height: this.height,
      round: this.round,
      step: this.stepP,
      lockedValue: this.lockedValue,
      lockedRound: this.lockedRound,
      validValue: this.validValue,
      validRound: this.validRound,
      lastBlockTimeMs: this.lastBlockTimeMs,
    };
  }

  /** The validator set the core uses for a height (current or later). */
  validatorsAt(height: number): ValidatorSet {
    return this.schedule.at(height);
  }

  /** Our own signed messages of the current height, for the shell to re-gossip. */
  ownMessages(): ConsensusMessage[] {
    return [...this.signedProposals.values(), ...this.signedVotes.values()];
  }

  step(input: Input): Effect[] {
    this.nowMs = input.nowMs;
    this.effects = [];
    switch (input.kind) {
      case "start":
        this.onStart();
        break;
      case "proposal":
        this.receiveProposal(input.proposal);
        break;
      case "vote":
        this.receiveVote(input.vote);
        break;
      case "timeout":
        this.onTimeout(input.timeout);
        break;
      case "value":
        this.onValue(input.height, input.round, input.value);
        break;
      case "validation":
        this.onValidation(input.height, input.valueId, input.verdict);
        break;
      case "validatorSet":
        this.onValidatorSet(input.fromHeight, input.validators);
        break;
    }
    if (this.started) this.applyRules();
    const out = this.effects;
    this.effects = [];
    return out;
  }

  // ---- inputs -------------------------------------------------------------------------

  private onStart(): void {
    if (this.started) return;
    this.started = true;
    if (!this.restored) {
      this.startRound(0);
      return;
    }
    // After a restart: re-send what we signed (peers may have missed it), re-ask for validity
    // of what we had, and resume the step we were in instead of starting over.
    for (const message of this.ownMessages()) this.emit({ kind: "broadcast", message });
    for (const roundLog of this.log.rounds.values())
      for (const p of roundLog.proposals.values()) this.requestValidation(p);
    if (this.stepP === "propose") this.startRound(this.round);
  }

  private receiveProposal(p: Proposal): void {
    if (p.height !== this.height || !Number.isSafeInteger(p.round) || p.round < 0) return;
    if (!Number.isSafeInteger(p.validRound) || p.validRound < -1 || p.validRound >= p.round) return;
    const set = this.validators();
    // Only ⟨PROPOSAL⟩ from proposer(h_p, round) counts (lines 22, 28, 36, 49).
    if (p.proposer !== proposer(set, p.height, p.round)) return;
    if (this.log.addProposal(p, set.powerOf(p.proposer), this.round)) this.requestValidation(p);
  }

  private receiveVote(vote: Vote): void {
    if (vote.height !== this.height || !Number.isSafeInteger(vote.round) || vote.round < 0) return;
    if (!Number.isSafeInteger(vote.timestampMs)) return; // no floats near time
    const set = this.validators();
    if (!set.has(vote.validator)) return;
    const result = this.log.addVote(vote, set.powerOf(vote.validator), this.round);
    if (result.outcome === "equivocation") this.emit({ kind: "evidence", evidence: result.evidence });
  }

  private requestValidation(p: Proposal): void {
    const { valueId, payload } = p.value;
    if (this.verdicts.has(valueId) || this.pendingValidation.has(valueId)) return;
    this.pendingValidation.add(valueId);
    this.emit({ kind: "requestValidation", height: this.height, valueId, payload });
  }

  private onValidation(height: number, valueId: string, verdict: Verdict): void {
    if (height !== this.height || !this.pendingValidation.has(valueId)) return;
    this.pendingValidation.delete(valueId);
    this.verdicts.set(valueId, verdict);
  }

  /** The app's answer to getValue() (line 18). */
  private onValue(height: number, round: number, value: Value): void {
    if (height !== this.height || round !== this.round || this.awaitingValueRound !== round) return;
    this.awaitingValueRound = null;
    if (this.signedProposals.has(round)) return;
    // We only ask when validValue is nil, and then validRound_p = −1 (they change together).
    this.broadcastProposal(value, -1);
  }

  private onValidatorSet(fromHeight: number, validators: readonly Validator[]): void {
    if (this.started && fromHeight <= this.height) {
      throw consensusError(
        "CONSENSUS_VALSET_TOO_LATE",
        "a validator set change must take effect at a later height",
        {
          fromHeight,
          height: this.height,
        },
      );
    }
    this.schedule.add(fromHeight, new ValidatorSet(validators));
    this.emit({ kind: "persist", record: { kind: "validatorSet", fromHeight, validators } });
  }

  private onTimeout(t: TimeoutRef): void {
    if (t.kind === "propose") this.onTimeoutPropose(t.height, t.round);
    else if (t.kind === "prevote") this.onTimeoutPrevote(t.height, t.round);
    else this.onTimeoutPrecommit(t.height, t.round);
  }

  // ---- the rules of Algorithm 1 -------------------------------------------------------

  /** Upon-rules fire on the message log until none is enabled (the paper's atomic steps). */
  private applyRules(): void {
    const before = {
      height: this.height,
      round: this.round,
      locked: this.lockedRound,
      valid: this.validRound,
    };
    for (let i = 0; i < MAX_RULE_FIRINGS; i++) {
      const fired =
        this.uponCommitQuorum() ||
        this.uponRoundSkip() ||
        this.uponProposal() ||
        this.uponProposalWithPolka() ||
        this.uponPolkaForProposal() ||
        this.uponPolkaNil() ||
        this.uponPrevoteQuorum() ||
        this.uponPrecommitQuorum();
      if (!fired) {
        this.checkInvariants(before);
        return;
      }
    }
    invariant(false, "consensus rules did not settle", { height: this.height, round: this.round });
  }

  /** The reference's invariants 3 and 5, kept on in production: a failure is a bug in this file. */
  private checkInvariants(before: { height: number; round: number; locked: number; valid: number }): void {
    const details = {
      height: this.height,
      round: this.round,
      lockedRound: this.lockedRound,
      validRound: this.validRound,
    };
    invariant(this.lockedRound <= this.validRound, "lockedRound > validRound", details);
    invariant(
      (this.lockedRound === -1) === (this.lockedValue === null),
      "lock and locked value disagree",
      details,
    );
    invariant(
      (this.validRound === -1) === (this.validValue === null),
      "valid round and value disagree",
      details,
    );
    invariant(this.height >= before.height, "height decreased", details);
    if (this.height === before.height) {
      invariant(this.round >= before.round, "round decreased", details);
      invariant(
        this.lockedRound >= before.locked && this.validRound >= before.valid,
        "lock went back",
        details,
      );
    }
  }

  /** Line 11-21: StartRound(round). */
  private startRound(round: number): void {
    this.round = round;
    this.stepP = "propose";
    this.awaitingValueRound = null;
    if (proposer(this.validators(), this.height, round) === this.config.self) {
      const signed = this.signedProposals.get(round);
      if (signed) {
        // Restarted after proposing: re-send, never propose a second value (line 19 once per round).
        this.emit({ kind: "broadcast", message: signed });
      } else if (this.validValue !== null && !this.faults.fires("amnesia")) {
        this.broadcastProposal(this.validValue, this.validRound); // line 15-16
      } else {
        this.awaitingValueRound = round; // line 18: getValue(), answered by a `value` input
        this.emit({ kind: "requestValue", height: this.height, round });
      }
    } else {
      this.scheduleTimeout("propose", round); // line 21
    }
  }

  /** Line 22-27: a fresh proposal (validRound = -1) in our round while in propose. */
  private uponProposal(): boolean {
    if (this.stepP !== "propose") return false;
    for (const p of this.currentRound()?.proposals.values() ?? []) {
      if (p.validRound !== -1) continue;
      const verdict = this.verdicts.get(p.value.valueId);
      if (!verdict) continue; // valid(v) not known yet: wait for the app
      const lockAllows = this.lockedRound === -1 || this.lockedValue?.valueId === p.value.valueId;
      const accept = verdict.valid && (lockAllows || this.ignoresLocks());
      this.broadcastVote("prevote", accept ? p.value.valueId : null); // line 24 / 26
      this.stepP = "prevote"; // line 27
      return true;
    }
    return false;
  }

  /** Line 28-33: a re-proposal with validRound vr, backed by 2f+1 prevotes for it in vr. */
  private uponProposalWithPolka(): boolean {
    if (this.stepP !== "propose") return false;
    for (const p of this.currentRound()?.proposals.values() ?? []) {
      const vr = p.validRound;
      if (vr < 0 || vr >= this.round) continue;
      if (!this.hasQuorum(this.log.round(vr), "prevote", p.value.valueId)) continue;
      const verdict = this.verdicts.get(p.value.valueId);
      if (!verdict) continue;
      const lockAllows = this.lockedRound <= vr || this.lockedValue?.valueId === p.value.valueId;
      const accept = verdict.valid && (lockAllows || this.ignoresLocks());
      this.broadcastVote("prevote", accept ? p.value.valueId : null); // line 30 / 32
      this.stepP = "prevote"; // line 33
      return true;
    }
    return false;
  }

  /** Line 34-35: 2f+1 prevotes for anything in our round, first time: start timeoutPrevote. */
  private uponPrevoteQuorum(): boolean {
    if (this.stepP !== "prevote" || !this.firstTime(34)) return false;
    const roundLog = this.currentRound();
    if (!roundLog || !isQuorum(roundLog.prevoteTotal, this.totalPower(), this.faults.fires("halfQuorum")))
      return false;
    this.markFired(34);
    this.scheduleTimeout("prevote", this.round);
    return true;
  }

  /** Line 36-43: proposal v and 2f+1 prevotes for it in our round, valid(v), step ≥ prevote, first time. */
  private uponPolkaForProposal(): boolean {
    if (this.stepP === "propose" || !this.firstTime(36)) return false;
    const roundLog = this.currentRound();
    for (const p of roundLog?.proposals.values() ?? []) {
      const valueId = p.value.valueId;
      if (!this.hasQuorum(roundLog, "prevote", valueId) || this.verdicts.get(valueId)?.valid !== true)
        continue;
      this.markFired(36);
      // Persisted before the precommit: restore() derives the lock from our precommit plus this.
      this.emit({
        kind: "persist",
        record: { kind: "validValue", height: this.height, round: this.round, value: p.value },
      });
      if (this.stepP === "prevote") {
        this.lockedValue = p.value; // line 38
        this.lockedRound = this.round; // line 39
        this.broadcastVote("precommit", valueId); // line 40
        this.stepP = "precommit"; // line 41
      }
      this.validValue = p.value; // line 42
      this.validRound = this.round; // line 43
      return true;
    }
    return false;
  }

  /** Line 44-46: 2f+1 prevotes for nil in our round while in prevote. */
  private uponPolkaNil(): boolean {
    if (this.stepP !== "prevote" || !this.hasQuorum(this.currentRound(), "prevote", null)) return false;
    this.broadcastVote("precommit", null); // line 45
    this.stepP = "precommit"; // line 46
    return true;
  }

  /** Line 47-48: 2f+1 precommits for anything in our round, first time: start timeoutPrecommit. */
  private uponPrecommitQuorum(): boolean {
    if (!this.firstTime(47)) return false;
    const roundLog = this.currentRound();
    if (!roundLog || !isQuorum(roundLog.precommitTotal, this.totalPower(), this.faults.fires("halfQuorum")))
      return false;
    this.markFired(47);
    this.scheduleTimeout("precommit", this.round);
    return true;
  }

  /** Line 49-54: proposal v of any round r and 2f+1 precommits for it in r, valid(v): decide. */
  private uponCommitQuorum(): boolean {
    for (const [r, roundLog] of this.log.rounds) {
      for (const p of roundLog.proposals.values()) {
        const valueId = p.value.valueId;
        if (!this.hasQuorum(roundLog, "precommit", valueId)) continue;
        const verdict = this.verdicts.get(valueId);
        if (verdict?.valid !== true) continue;
        this.decide(r, p, roundLog, verdict.blockTimeMs);
        return true;
      }
    }
    return false;
  }

  /** Line 55-56: f+1 power sent messages of a higher round: catch up to it. */
  private uponRoundSkip(): boolean {
    let target = -1;
    for (const [r, roundLog] of this.log.rounds) {
      if (r > this.round && r > target && isOneThird(roundLog.senderPower, this.totalPower())) target = r;
    }
    if (target < 0) return false;
    this.startRound(target);
    return true;
  }

  /** Line 57-60: OnTimeoutPropose(h, r). */
  private onTimeoutPropose(height: number, round: number): void {
    if (height !== this.height || round !== this.round || this.stepP !== "propose") return;
    this.broadcastVote("prevote", null);
    this.stepP = "prevote";
  }

  /** Line 61-64: OnTimeoutPrevote(h, r). */
  private onTimeoutPrevote(height: number, round: number): void {
    if (height !== this.height || round !== this.round || this.stepP !== "prevote") return;
    this.broadcastVote("precommit", null);
    this.stepP = "precommit";
  }

  /** Line 65-67: OnTimeoutPrecommit(h, r). */
  private onTimeoutPrecommit(height: number, round: number): void {
    if (height !== this.height || round !== this.round) return;
    this.startRound(this.round + 1);
  }

  // ---- actions ------------------------------------------------------------------------

  /** Line 50-54: decision_p[h_p] = v, then the next height from round 0 with a fresh state. */
  private decide(round: number, p: Proposal, roundLog: RoundLog, blockTimeMs: number): void {
    const precommits = [...roundLog.precommits.values()]
      .flatMap((votes) => votes.filter((v) => v.valueId === p.value.valueId))
      .sort((a, b) => (a.validator < b.validator ? -1 : 1));
    const certificate: CommitCertificate = {
      height: this.height,
      round,
      proposal: p,
      precommits,
      blockTimeMs,
    };
    this.emit({ kind: "persist", record: { kind: "commit", certificate } });
    this.emit({ kind: "commit", certificate });
    this.enterHeight(this.height + 1, blockTimeMs);
    this.startRound(0);
  }

  private enterHeight(height: number, lastBlockTimeMs: number): void {
    this.height = height;
    this.lastBlockTimeMs = lastBlockTimeMs;
    this.round = 0;
    this.stepP = "propose";
    this.lockedValue = null;
    this.lockedRound = -1;
    this.validValue = null;
    this.validRound = -1;
    this.log = this.newLog();
    this.verdicts = new Map();
    this.pendingValidation = new Set();
    this.fired = new Set();
    this.signedVotes = new Map();
    this.signedProposals = new Map();
    this.awaitingValueRound = null;
    this.schedule.prune(height);
  }

  private broadcastProposal(value: Value, validRound: number): void {
    const proposal: Proposal = {
      type: "proposal",
      height: this.height,
      round: this.round,
      value,
      validRound,
      proposer: this.config.self,
    };
    this.signedProposals.set(this.round, proposal);
    this.emit({ kind: "persist", record: { kind: "proposal", proposal } }); // write ahead of the send
    this.emit({ kind: "broadcast", message: proposal });
    this.receiveProposal(proposal);
  }

  /**
   * Sign (via the shell) and send our vote, or re-send the one we already signed for this
   * (h, round, type): a restarted node must never sign a conflicting vote.
   */
  private broadcastVote(type: VoteType, valueId: string | null): void {
    const set = this.validators();
    if (!set.has(this.config.self)) return; // a follower decides but does not vote
    const key = `${this.round}/${type}`;
    let vote = this.signedVotes.get(key);
    if (!vote) {
      vote = {
        type,
        height: this.height,
        round: this.round,
        valueId,
        validator: this.config.self,
        timestampMs: this.stampFor(valueId),
      };
      this.signedVotes.set(key, vote);
      this.emit({ kind: "persist", record: { kind: "vote", vote } }); // write ahead of the send
    }
    this.emit({ kind: "broadcast", message: vote });
    this.receiveVote(vote);
  }

  /** BFT time: after the block voted for (or the last committed one, for nil). */
  private stampFor(valueId: string | null): number {
    let after = this.lastBlockTimeMs;
    const verdict = valueId === null ? undefined : this.verdicts.get(valueId);
    if (verdict?.valid) after = Math.max(after, verdict.blockTimeMs);
    return voteTimestamp(this.nowMs, after);
  }

  private scheduleTimeout(kind: TimeoutRef["kind"], round: number): void {
    const timeout: TimeoutRef = { kind, height: this.height, round };
    this.emit({
      kind: "scheduleTimeout",
      timeout,
      durationMs: timeoutDuration(this.config.timeouts, kind, round),
    });
  }

  // ---- helpers ------------------------------------------------------------------------

  private emit(effect: Effect): void {
    this.effects.push(effect);
  }

  private validators(): ValidatorSet {
    return this.schedule.at(this.height);
  }

  private totalPower(): bigint {
    return this.validators().totalPower;
  }

  private currentRound(): RoundLog | undefined {
    return this.log.round(this.round);
  }

  private hasQuorum(roundLog: RoundLog | undefined, type: VoteType, valueId: string | null): boolean {
    if (!roundLog) return false;
    return isQuorum(roundLog.powerFor(type, valueId), this.totalPower(), this.faults.fires("halfQuorum"));
  }

  private ignoresLocks(): boolean {
    return this.faults.fires("ignoreLocks") || this.faults.fires("amnesia");
  }

  private firstTime(line: number): boolean {
    return !this.fired.has(`${line}/${this.round}`);
  }

  private markFired(line: number): void {
    this.fired.add(`${line}/${this.round}`);
  }

  private newLog(): MessageLog {
    return new MessageLog(
      this.config.maxFutureRoundsPerSender ?? DEFAULT_MAX_FUTURE_ROUNDS,
      this.config.maxProposalsPerRound ?? DEFAULT_MAX_PROPOSALS,
    );
  }

  // ---- restore ------------------------------------------------------------------------

  /**
   * Rebuild from the WAL: the last commit gives the height; our own proposals, votes and
   * validValue records of that height give the round, step, lock and valid value. Messages
   * of others are lost (the shell's gossip brings them again); nothing we signed is.
   */
  private replay(records: readonly WalRecord[]): void {
    for (const record of records) {
      if (record.kind === "validatorSet")
        this.schedule.add(record.fromHeight, new ValidatorSet(record.validators));
    }
    const lastCommit = records.findLast((r) => r.kind === "commit");
    if (lastCommit?.kind === "commit") {
      this.enterHeight(lastCommit.certificate.height + 1, lastCommit.certificate.blockTimeMs);
    }
    const h = this.height;
    const validValues = new Map<number, Value>();
    let round = 0;
    for (const record of records) {
      if (record.kind === "proposal" && record.proposal.height === h) {
        this.signedProposals.set(record.proposal.round, record.proposal);
        round = Math.max(round, record.proposal.round);
      } else if (record.kind === "vote" && record.vote.height === h) {
        if (record.vote.type === "precommit" && this.faults.fires("walForgetsPrecommits")) continue;
        this.signedVotes.set(`${record.vote.round}/${record.vote.type}`, record.vote);
        round = Math.max(round, record.vote.round);
      } else if (record.kind === "validValue" && record.height === h) {
        validValues.set(record.round, record.value);
        round = Math.max(round, record.round);
        if (record.round > this.validRound) {
          this.validRound = record.round;
          this.validValue = record.value;
        }
      }
    }
    this.round = round;
    for (const p of this.signedProposals.values())
      this.log.addProposal(p, this.validators().powerOf(p.proposer), round);
    for (const vote of this.signedVotes.values()) {
      this.log.addVote(vote, this.validators().powerOf(vote.validator), round);
      // Line 38-41: we lock exactly when we precommit a value.
      if (vote.type === "precommit" && vote.valueId !== null && vote.round > this.lockedRound) {
        const value = validValues.get(vote.round);
        invariant(value?.valueId === vote.valueId, "WAL has a precommit without its validValue record", {
          height: h,
          round: vote.round,
        });
        this.lockedRound = vote.round;
        this.lockedValue = value;
      }
    }
    this.stepP = this.signedVotes.has(`${round}/precommit`)
      ? "precommit"
      : this.signedVotes.has(`${round}/prevote`)
        ? "prevote"
        : "propose";
    this.restored = true;
  }
}
