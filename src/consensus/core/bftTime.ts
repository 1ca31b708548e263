import type { Vote } from "./types.js";
import type { ValidatorSet } from "./validatorSet.js";

/**
 * BFT time (CometBFT): the time of block h+1 is the power-weighted median of the timestamps
 * in the commit certificate of block h. The certificate holds > 2/3 of the power and the
 * faulty hold < 1/3, so correct voters hold more than half of the certificate's power: the
 * median is a correct voter's timestamp or lies between two of them. A Byzantine proposer
 * cannot choose the time (the app rejects a block whose time is not this median) and
 * Byzantine voters cannot push it outside the range of correct timestamps.
 *
 * Votes of validators outside `validators`, and repeated votes of one validator, are ignored.
 * Returns undefined when no vote counts.
 */
export function bftTime(commitSignatures: readonly Vote[], validators: ValidatorSet): number | undefined {
  const seen = new Set<string>();
  const weighted: { timestampMs: number; validator: string; power: bigint }[] = [];
  for (const vote of commitSignatures) {
    const power = validators.powerOf(vote.validator);
    if (power === 0n || seen.has(vote.validator)) continue;
    seen.add(vote.validator);
    weighted.push({ timestampMs: vote.timestampMs, validator: vote.validator, power });
  }
  weighted.sort((a, b) => a.timestampMs - b.timestampMs || (a.validator < b.validator ? -1 : 1));
  const total = weighted.reduce((sum, w) => sum + w.power, 0n);
  let cumulative = 0n;
  for (const w of weighted) {
    cumulative += w.power;
    // The first timestamp at which strictly more than half the power lies at or below it.
    if (cumulative * 2n > total) return w.timestampMs;
  }
  return undefined;
}

/**
 * The stamp a correct voter puts on its vote: its clock, but strictly after the time of the
 * block it votes for (or the last committed block, for nil), so block times strictly increase.
 */
export function voteTimestamp(nowMs: number, afterMs: number): number {
  return Math.max(nowMs, afterMs + 1);
}
