import { LedgerError } from "../../errors.js";
import { bftTime } from "../core/bftTime.js";
import type { CommitCertificate, DuplicateVoteEvidence, Proposal, Vote } from "../core/types.js";
import { isQuorum } from "../core/validatorSet.js";
import { type ChainView, decodeBlock, lastCommitVotes, validateBlock } from "./app.js";

/** A safety or liveness property failed in a simulated run. */
export class SimulationFailure extends LedgerError {
  constructor(property: string, message: string, details: Record<string, unknown> = {}) {
    super("SIM_PROPERTY_VIOLATED", `${property}: ${message}`, { property, ...details });
  }
}

/**
 * The invariants, checked as events happen: agreement, decided logs are prefixes of each other,
 * no correct node signs two different votes (or proposals) for one (h, round, type), committed
 * values are valid, block time is BFT time within correct timestamps and strictly increases.
 */
export class Checker {
  /** The first correct decision per height: everyone correct must agree with it. */
  private readonly decided = new Map<number, CommitCertificate>();
  private readonly lastHeight = new Map<string, number>();
  private readonly correctVotes = new Map<string, Vote>();
  private readonly correctProposals = new Map<string, Proposal>();
  private readonly chain: ChainView;

  constructor(
    base: Omit<ChainView, "committed">,
    private readonly isCorrect: (validator: string) => boolean,
    /** Off only to show that agreement alone catches a weak-quorum core (broken.test.ts). */
    private readonly checkCertificates = true,
  ) {
    this.chain = { ...base, committed: (h) => this.decided.get(h) };
  }

  decision(height: number): CommitCertificate | undefined {
    return this.decided.get(height);
  }

  /** Invariant 4: at most one proposal and one vote of each type per (h, round) from a correct node. */
  onSigned(message: Proposal | Vote): void {
    if (message.type === "proposal") {
      const key = `${message.proposer}/${message.height}/${message.round}`;
      const prior = this.correctProposals.get(key);
      if (prior && prior.value.valueId !== message.value.valueId) {
        throw new SimulationFailure("no-double-sign", "a correct node proposed two values in one round", {
          key,
        });
      }
      this.correctProposals.set(key, message);
      return;
    }
    const key = `${message.validator}/${message.height}/${message.round}/${message.type}`;
    const prior = this.correctVotes.get(key);
    if (prior && (prior.valueId !== message.valueId || prior.timestampMs !== message.timestampMs)) {
      throw new SimulationFailure("no-double-sign", "a correct node signed two different votes", {
        key,
        first: prior,
        second: message,
      });
    }
    this.correctVotes.set(key, message);
  }

  /** Evidence must only ever accuse a faulty validator, and be two really different votes. */
  onEvidence(evidence: DuplicateVoteEvidence): void {
    const { first, second } = evidence;
    if (this.isCorrect(first.validator)) {
      throw new SimulationFailure("evidence", "a correct validator was accused of equivocation", {
        evidence,
      });
    }
    const same =
      first.validator === second.validator &&
      first.height === second.height &&
      first.round === second.round &&
      first.type === second.type &&
      first.valueId !== second.valueId;
    if (!same) throw new SimulationFailure("evidence", "evidence is not two conflicting votes", { evidence });
  }

  onCommit(node: string, cert: CommitCertificate): void {
    const h = cert.height;
    const last = this.lastHeight.get(node) ?? this.chain.initialHeight - 1;
    if (h !== last + 1) {
      throw new SimulationFailure("prefix", "a node committed out of order or twice", {
        node,
        height: h,
        last,
      });
    }
    this.lastHeight.set(node, h);
    const first = this.decided.get(h);
    if (first) {
      if (first.proposal.value.valueId !== cert.proposal.value.valueId) {
        throw new SimulationFailure("agreement", "two correct nodes committed different values", {
          height: h,
          first: first.proposal.value.valueId,
          second: cert.proposal.value.valueId,
          node,
        });
      }
      return;
    }
    if (this.checkCertificates) this.checkCertificate(cert);
    this.checkValidity(cert);
    this.decided.set(h, cert);
  }

  private checkCertificate(cert: CommitCertificate): void {
    const set = this.chain.validatorsAt(cert.height);
    let power = 0n;
    for (const vote of cert.precommits) {
      if (
        vote.valueId !== cert.proposal.value.valueId ||
        vote.round !== cert.round ||
        vote.height !== cert.height
      ) {
        throw new SimulationFailure("certificate", "a certificate holds a foreign vote", { vote });
      }
      power += set.powerOf(vote.validator);
    }
    if (!isQuorum(power, set.totalPower)) {
      throw new SimulationFailure("certificate", "a commit without 2f+1 precommits", { height: cert.height });
    }
  }

  /** Validity, judged against the agreed chain; and BFT time within correct timestamps. */
  private checkValidity(cert: CommitCertificate): void {
    const h = cert.height;
    const verdict = validateBlock(this.chain, h, cert.proposal.value.payload);
    if (!verdict.valid)
      throw new SimulationFailure("validity", "a committed value is not valid", { height: h });
    if (verdict.blockTimeMs !== cert.blockTimeMs) {
      throw new SimulationFailure("bft-time", "commit carries a different block time", { height: h });
    }
    const block = decodeBlock(cert.proposal.value.payload);
    if (!block || h === this.chain.initialHeight) return;
    const previous = this.decided.get(h - 1);
    if (previous && block.timeMs <= previous.blockTimeMs) {
      throw new SimulationFailure("bft-time", "block time did not increase", { height: h });
    }
    const correctTimes = lastCommitVotes(block)
      .filter((v) => this.isCorrect(v.validator))
      .map((v) => v.timestampMs);
    const lo = Math.min(...correctTimes);
    const hi = Math.max(...correctTimes);
    const time = bftTime(lastCommitVotes(block), this.chain.validatorsAt(h - 1));
    if (time === undefined || time < lo || time > hi) {
      throw new SimulationFailure("bft-time", "block time outside the correct voters' timestamps", {
        height: h,
        time,
        lo,
        hi,
      });
    }
  }
}
