import type { DuplicateVoteEvidence, Proposal, ValidatorId, Vote, VoteType } from "./types.js";

/** What one round of the current height has seen. Tallies are kept incrementally. */
export class RoundLog {
  /** Proposals from proposer(h, round), by valueId (several only if the proposer equivocates). */
  readonly proposals = new Map<string, Proposal>();
  /** Votes per validator: one, or more if it equivocated (bounded, see addVote). */
  readonly prevotes = new Map<ValidatorId, Vote[]>();
  readonly precommits = new Map<ValidatorId, Vote[]>();
  /** Power per valueId (null = nil) and in total, per vote type. */
  readonly prevotePower = new Map<string | null, bigint>();
  readonly precommitPower = new Map<string | null, bigint>();
  prevoteTotal = 0n;
  precommitTotal = 0n;
  /** Power of everyone who sent anything in this round (rule 55). */
  readonly senders = new Set<ValidatorId>();
  senderPower = 0n;

  votes(type: VoteType): Map<ValidatorId, Vote[]> {
    return type === "prevote" ? this.prevotes : this.precommits;
  }

  powerFor(type: VoteType, valueId: string | null): bigint {
    return (type === "prevote" ? this.prevotePower : this.precommitPower).get(valueId) ?? 0n;
  }

  totalPower(type: VoteType): bigint {
    return type === "prevote" ? this.prevoteTotal : this.precommitTotal;
  }

  hasVoteFor(valueId: string): boolean {
    return this.prevotePower.has(valueId) || this.precommitPower.has(valueId);
  }
}

const MAX_VOTES_PER_VALIDATOR = 2;

export type AddVoteResult =
  | { readonly outcome: "added" }
  | { readonly outcome: "duplicate" }
  | { readonly outcome: "dropped" }
  | { readonly outcome: "equivocation"; readonly evidence: DuplicateVoteEvidence };

/**
 * The message log of the current height (the paper keeps every message of the height: rule 28
 * needs prevotes from an earlier round). Bounded: per sender, messages for at most
 * `maxFutureRounds` distinct rounds above the current one; per round, `maxProposals` proposals.
 */
export class MessageLog {
  readonly rounds = new Map<number, RoundLog>();
  private readonly roundsBySender = new Map<ValidatorId, Set<number>>();

  constructor(
    private readonly maxFutureRounds: number,
    private readonly maxProposals: number,
  ) {}

  round(r: number): RoundLog | undefined {
    return this.rounds.get(r);
  }

  addProposal(p: Proposal, power: bigint, currentRound: number): boolean {
    const existing = this.rounds.get(p.round);
    if (existing?.proposals.has(p.value.valueId)) return false;
    if (!this.admit(p.proposer, p.round, currentRound)) return false;
    const log = this.ensure(p.round);
    // An equivocating proposer may sign many values; keep a few, plus any that votes refer to.
    if (log.proposals.size >= this.maxProposals && !log.hasVoteFor(p.value.valueId)) return false;
    log.proposals.set(p.value.valueId, p);
    this.noteSender(log, p.round, p.proposer, power);
    return true;
  }

  /**
   * Like the paper's message log, an equivocator's two votes both count, each for its own value
   * ("2f+1 ⟨PREVOTE, h, r, id(v)⟩" counts senders of that message); quorums still intersect in
   * a correct process. Counting only the first would leave a node that saw the "wrong" one unable
   * to ever see the quorum others decided on. "2f+1 ⟨*⟩" counts each sender once.
   */
  addVote(vote: Vote, power: bigint, currentRound: number): AddVoteResult {
    const existing = this.rounds.get(vote.round)?.votes(vote.type).get(vote.validator);
    if (existing?.some((v) => v.valueId === vote.valueId)) return { outcome: "duplicate" };
    // Past the cap, a vote still counts if it is for a proposal of the round: a flood of junk
    // votes must not crowd out the one that completes a real quorum.
    if (existing && existing.length >= MAX_VOTES_PER_VALIDATOR) {
      if (vote.valueId === null || !this.rounds.get(vote.round)?.proposals.has(vote.valueId)) {
        return { outcome: "dropped" };
      }
    }
    if (!existing && !this.admit(vote.validator, vote.round, currentRound)) return { outcome: "dropped" };
    const log = this.ensure(vote.round);
    const tally = vote.type === "prevote" ? log.prevotePower : log.precommitPower;
    tally.set(vote.valueId, (tally.get(vote.valueId) ?? 0n) + power);
    if (existing?.[0]) {
      existing.push(vote);
      return {
        outcome: "equivocation",
        evidence: { kind: "duplicateVote", first: existing[0], second: vote },
      };
    }
    log.votes(vote.type).set(vote.validator, [vote]);
    if (vote.type === "prevote") log.prevoteTotal += power;
    else log.precommitTotal += power;
    this.noteSender(log, vote.round, vote.validator, power);
    return { outcome: "added" };
  }

  private admit(sender: ValidatorId, round: number, currentRound: number): boolean {
    if (round <= currentRound) return true;
    const rounds = this.roundsBySender.get(sender);
    if (rounds?.has(round)) return true;
    let future = 0;
    for (const r of rounds ?? []) if (r > currentRound) future++;
    return future < this.maxFutureRounds;
  }

  private ensure(r: number): RoundLog {
    let log = this.rounds.get(r);
    if (!log) {
      log = new RoundLog();
      this.rounds.set(r, log);
    }
    return log;
  }

  private noteSender(log: RoundLog, round: number, sender: ValidatorId, power: bigint): void {
    let rounds = this.roundsBySender.get(sender);
    if (!rounds) {
      rounds = new Set();
      this.roundsBySender.set(sender, rounds);
    }
    rounds.add(round);
    if (!log.senders.has(sender)) {
      log.senders.add(sender);
      log.senderPower += power;
    }
  }
}
