import type { Faults } from "../../faults.js";

/**
 * The vocabulary of the consensus core: messages, inputs it consumes, effects it asks the
 * shell to perform, and the records it asks the shell to write ahead. All plain data, so
 * the shell can serialise it and the simulator can compare it.
 */

export type ValidatorId = string;
export type VoteType = "prevote" | "precommit";
/** step_p of the paper. */
export type Step = "propose" | "prevote" | "precommit";
export type TimeoutKind = Step;

/** A proposed value (a block). The core only compares `valueId`; `payload` is the app's business. */
export interface Value {
  readonly valueId: string;
  readonly payload: Uint8Array;
}

/** ⟨PROPOSAL, h, round, v, validRound⟩, signed by `proposer` (the shell checks the signature). */
export interface Proposal {
  readonly type: "proposal";
  readonly height: number;
  readonly round: number;
  readonly value: Value;
  readonly validRound: number;
  readonly proposer: ValidatorId;
}

/** ⟨PREVOTE|PRECOMMIT, h, round, id(v) | nil⟩ signed by `validator`, with its BFT-time stamp. */
export interface Vote {
  readonly type: VoteType;
  readonly height: number;
  readonly round: number;
  /** null is nil. */
  readonly valueId: string | null;
  readonly validator: ValidatorId;
  readonly timestampMs: number;
}

export type ConsensusMessage = Proposal | Vote;

export interface Validator {
  readonly id: ValidatorId;
  readonly power: bigint;
}

export interface TimeoutRef {
  readonly kind: TimeoutKind;
  readonly height: number;
  readonly round: number;
}

/** The app's answer to requestValidation: valid(v), and the block time it carries (checked by the app). */
export type Verdict = { readonly valid: true; readonly blockTimeMs: number } | { readonly valid: false };

/** `nowMs` is the shell's local clock; the core uses it only to stamp its votes. */
export type Input = { readonly nowMs: number } & (
  | { readonly kind: "start" }
  | { readonly kind: "proposal"; readonly proposal: Proposal }
  | { readonly kind: "vote"; readonly vote: Vote }
  | { readonly kind: "timeout"; readonly timeout: TimeoutRef }
  | { readonly kind: "value"; readonly height: number; readonly round: number; readonly value: Value }
  | {
      readonly kind: "validation";
      readonly height: number;
      readonly valueId: string;
      readonly verdict: Verdict;
    }
  | { readonly kind: "validatorSet"; readonly fromHeight: number; readonly validators: readonly Validator[] }
);

/** Two different signed votes by one validator for one (height, round, type). */
export interface DuplicateVoteEvidence {
  readonly kind: "duplicateVote";
  readonly first: Vote;
  readonly second: Vote;
}

/** The decision of a height: the proposal, and > 2/3 of the height's power precommitting it. */
export interface CommitCertificate {
  readonly height: number;
  readonly round: number;
  readonly proposal: Proposal;
  /** Precommits for proposal.value.valueId in `round`, sorted by validator id. */
  readonly precommits: readonly Vote[];
  /** The committed block's own time (its BFT time, as the app validated it). */
  readonly blockTimeMs: number;
}

export type WalRecord =
  | { readonly kind: "proposal"; readonly proposal: Proposal }
  | { readonly kind: "vote"; readonly vote: Vote }
  /** Line 42: validValue/validRound changed (and, with our own precommit of that round, the lock). */
  | { readonly kind: "validValue"; readonly height: number; readonly round: number; readonly value: Value }
  | { readonly kind: "commit"; readonly certificate: CommitCertificate }
  | { readonly kind: "validatorSet"; readonly fromHeight: number; readonly validators: readonly Validator[] };

/**
 * Effects, in the order the shell must perform them. A `persist` must be durable (fsync)
 * before any later `broadcast` of the same step is sent.
 */
export type Effect =
  | { readonly kind: "persist"; readonly record: WalRecord }
  | { readonly kind: "broadcast"; readonly message: ConsensusMessage }
  | { readonly kind: "scheduleTimeout"; readonly timeout: TimeoutRef; readonly durationMs: number }
  | { readonly kind: "requestValue"; readonly height: number; readonly round: number }
  | {
      readonly kind: "requestValidation";
      readonly height: number;
      readonly valueId: string;
      readonly payload: Uint8Array;
    }
  | { readonly kind: "commit"; readonly certificate: CommitCertificate }
  | { readonly kind: "evidence"; readonly evidence: DuplicateVoteEvidence };

/** timeoutX(r) = baseMs + r * deltaMs (paper, "timeouts"), reset each height. */
export interface TimeoutConfig {
  readonly proposeBaseMs: number;
  readonly proposeDeltaMs: number;
  readonly prevoteBaseMs: number;
  readonly prevoteDeltaMs: number;
  readonly precommitBaseMs: number;
  readonly precommitDeltaMs: number;
}

/**
 * Deliberate bugs, for proving that the simulator's checker can fail: the points a `Faults`
 * object may fire in the core. The node always passes none.
 */
export type UnsafeBug =
  /** Lines 23 and 29 without the lock condition. */
  | "ignoreLocks"
  /** ignoreLocks, and a proposer forgets validValue too (line 15): amnesia. */
  | "amnesia"
  /** "2f+1" computed as more than half of the power. */
  | "halfQuorum"
  /** restore() drops our precommits from the WAL. */
  | "walForgetsPrecommits";

export interface ConsensusConfig {
  readonly self: ValidatorId;
  readonly initialHeight: number;
  /** The time of the (virtual) block before initialHeight; votes at initialHeight are stamped after it. */
  readonly genesisTimeMs: number;
  /** The validator set from initialHeight on, until a validatorSet input changes it. */
  readonly validators: readonly Validator[];
  readonly timeouts: TimeoutConfig;
  /** Per sender, how many distinct rounds above ours we keep messages for (bounds a flood). */
  readonly maxFutureRoundsPerSender?: number;
  /** How many different proposals we keep per round (an equivocating proposer can make many). */
  readonly maxProposalsPerRound?: number;
  /** Deliberate bugs for the simulator's broken-core tests; absent (none fire) in the node. */
  readonly faults?: Faults<UnsafeBug>;
}
