import { consensusError } from "./errors.js";
import type { Validator, ValidatorId } from "./types.js";

/** An immutable validator set, sorted by id so every node iterates it in the same order. */
export class ValidatorSet {
  readonly validators: readonly Validator[];
  readonly totalPower: bigint;
  private readonly byId: ReadonlyMap<ValidatorId, Validator>;

  constructor(validators: readonly Validator[]) {
    const sorted = [...validators].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const byId = new Map<ValidatorId, Validator>();
    let total = 0n;
    for (const v of sorted) {
      if (v.power <= 0n)
        throw consensusError("CONSENSUS_BAD_VALIDATOR", "validator power must be positive", { id: v.id });
      if (byId.has(v.id))
        throw consensusError("CONSENSUS_BAD_VALIDATOR", "duplicate validator", { id: v.id });
      byId.set(v.id, v);
      total += v.power;
    }
    if (sorted.length === 0) throw consensusError("CONSENSUS_BAD_VALIDATOR", "empty validator set");
    this.validators = sorted;
    this.byId = byId;
    this.totalPower = total;
  }

  has(id: ValidatorId): boolean {
    return this.byId.has(id);
  }

  powerOf(id: ValidatorId): bigint {
    return this.byId.get(id)?.power ?? 0n;
  }
}

/**
 * "2f+1": more than 2/3 of the total power. With n ≠ 3f+1 this (⌊2n/3⌋+1) is what keeps
 * any two quorums intersecting in a correct process.
 */
export function isQuorum(power: bigint, total: bigint, halfQuorumBug = false): boolean {
  if (halfQuorumBug) return power * 2n > total;
  return power * 3n > total * 2n;
}

/** "f+1": more than 1/3 of the total power, so at least one correct process is among them. */
export function isOneThird(power: bigint, total: bigint): boolean {
  return power * 3n > total;
}

/** The validator sets a node knows, each effective from a height until the next one. */
export class ValidatorSchedule {
  private entries: { fromHeight: number; set: ValidatorSet }[] = [];

  add(fromHeight: number, set: ValidatorSet): void {
    this.entries = this.entries.filter((e) => e.fromHeight !== fromHeight);
    this.entries.push({ fromHeight, set });
    this.entries.sort((a, b) => a.fromHeight - b.fromHeight);
  }

  at(height: number): ValidatorSet {
    let found: ValidatorSet | undefined;
    for (const e of this.entries) if (e.fromHeight <= height) found = e.set;
    if (!found) throw consensusError("CONSENSUS_NO_VALIDATORS", "no validator set for height", { height });
    return found;
  }

  /** Forget sets that no height ≥ `height` can use (keeps the list bounded). */
  prune(height: number): void {
    const keepFrom = this.entries.findLastIndex((e) => e.fromHeight <= height);
    if (keepFrom > 0) this.entries = this.entries.slice(keepFrom);
  }
}
