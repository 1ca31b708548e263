import { createHash } from "node:crypto";
import { bftTime } from "../core/bftTime.js";
import type { CommitCertificate, Value, Verdict, Vote } from "../core/types.js";
import { isQuorum, type ValidatorSet } from "../core/validatorSet.js";

/**
 * The simulator's app: a block is a small JSON document naming its height, proposer and round,
 * its BFT time and the commit certificate of the previous block it was timed from. Its id is
 * the SHA-256 of the payload. valid() is what a real app checks about time and the last commit.
 */
export interface SimBlock {
  readonly h: number;
  readonly r: number;
  readonly proposer: string;
  readonly timeMs: number;
  readonly last: {
    readonly round: number;
    readonly valueId: string;
    readonly votes: [string, number][];
  } | null;
  /** Marked by a Byzantine proposer: the app says invalid. */
  readonly invalid?: true;
  /** Lets an equivocating proposer make a second, different, valid block. */
  readonly nonce?: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeBlock(block: SimBlock): Value {
  const payload = encoder.encode(JSON.stringify(block));
  return { valueId: createHash("sha256").update(payload).digest("hex"), payload };
}

export function decodeBlock(payload: Uint8Array): SimBlock | undefined {
  try {
    const parsed: unknown = JSON.parse(decoder.decode(payload));
    if (typeof parsed !== "object" || parsed === null) return undefined;
    return parsed as SimBlock;
  } catch {
    return undefined;
  }
}

/** The precommits a block carries, as votes (for bftTime and signature checks). */
export function lastCommitVotes(block: SimBlock): Vote[] {
  const last = block.last;
  if (!last) return [];
  return last.votes.map(([validator, timestampMs]) => ({
    type: "precommit",
    height: block.h - 1,
    round: last.round,
    valueId: last.valueId,
    validator,
    timestampMs,
  }));
}

export interface ChainView {
  readonly initialHeight: number;
  readonly genesisTimeMs: number;
  validatorsAt(height: number): ValidatorSet;
  /** The certificate this node committed at a height, if any. */
  committed(height: number): CommitCertificate | undefined;
  /** The simulated signature check: was this vote really signed by its validator? */
  isSigned(vote: Vote): boolean;
}

/** getValue(): a correct proposer's block for (h, round). */
export function buildBlock(chain: ChainView, height: number, round: number, proposer: string): SimBlock {
  if (height === chain.initialHeight) {
    return { h: height, r: round, proposer, timeMs: chain.genesisTimeMs, last: null };
  }
  const previous = chain.committed(height - 1);
  if (!previous) throw new Error(`sim app: no commit for height ${height - 1}`);
  const votes = previous.precommits;
  const timeMs = bftTime(votes, chain.validatorsAt(height - 1));
  if (timeMs === undefined) throw new Error("sim app: empty certificate");
  return {
    h: height,
    r: round,
    proposer,
    timeMs,
    last: {
      round: previous.round,
      valueId: previous.proposal.value.valueId,
      votes: votes.map((v) => [v.validator, v.timestampMs]),
    },
  };
}

/** valid(v) at a height: not marked invalid, built on our previous block, timed by BFT time. */
export function validateBlock(chain: ChainView, height: number, payload: Uint8Array): Verdict {
  const block = decodeBlock(payload);
  if (!block || block.h !== height || block.invalid) return { valid: false };
  if (height === chain.initialHeight) {
    return block.last === null && block.timeMs === chain.genesisTimeMs
      ? { valid: true, blockTimeMs: block.timeMs }
      : { valid: false };
  }
  const previous = chain.committed(height - 1);
  if (!previous || !block.last || block.last.valueId !== previous.proposal.value.valueId)
    return { valid: false };
  const set = chain.validatorsAt(height - 1);
  const votes = lastCommitVotes(block);
  const seen = new Set<string>();
  let power = 0n;
  for (const vote of votes) {
    if (seen.has(vote.validator) || !set.has(vote.validator) || !chain.isSigned(vote))
      return { valid: false };
    seen.add(vote.validator);
    power += set.powerOf(vote.validator);
  }
  if (!isQuorum(power, set.totalPower)) return { valid: false };
  // The BFT time rule: a proposer cannot choose the time; it must be the certificate's median.
  if (block.timeMs !== bftTime(votes, set)) return { valid: false };
  return { valid: true, blockTimeMs: block.timeMs };
}
