import type { ValidatorId } from "./types.js";
import type { ValidatorSet } from "./validatorSet.js";

/**
 * proposer(h, round): weighted round-robin, as CometBFT's proposer-priority algorithm
 * (nginx's "smooth weighted round-robin"): each turn every validator's priority grows by its
 * weight, the highest priority proposes (ties: smallest id) and pays back the total weight.
 * Started from zero priorities, one cycle of `total weight` turns picks each validator exactly
 * `weight` times and ends back at zero, so turn k is a pure function of (set, k). We use
 * k = height + round, so a failed round hands over to the next proposer, as CometBFT does.
 *
 * Weights are the powers, scaled down when the total exceeds MAX_CYCLE so the cycle stays
 * small (a validator with any power keeps weight ≥ 1); the rounding is documented in README.
 */
const MAX_CYCLE = 1n << 14n;
const cycles = new WeakMap<ValidatorSet, Int32Array>();

export function proposer(set: ValidatorSet, height: number, round: number): ValidatorId {
  const cycle = cycleOf(set);
  const turn = (height + round) % cycle.length;
  const index = cycle[turn] ?? 0;
  return set.validators[index]?.id ?? "";
}

function cycleOf(set: ValidatorSet): Int32Array {
  const cached = cycles.get(set);
  if (cached) return cached;
  const weights = proposerWeights(set);
  const total = weights.reduce((a, b) => a + b, 0n);
  const cycle = new Int32Array(Number(total));
  const priority = weights.map(() => 0n);
  for (let turn = 0; turn < cycle.length; turn++) {
    let best = 0;
    for (let i = 0; i < weights.length; i++) {
      priority[i] = (priority[i] ?? 0n) + (weights[i] ?? 0n);
      if ((priority[i] ?? 0n) > (priority[best] ?? 0n)) best = i;
    }
    priority[best] = (priority[best] ?? 0n) - total;
    cycle[turn] = best;
  }
  cycles.set(set, cycle);
  return cycle;
}

function proposerWeights(set: ValidatorSet): bigint[] {
  const total = set.totalPower;
  if (total <= MAX_CYCLE) return set.validators.map((v) => v.power);
  return set.validators.map((v) => {
    const w = (v.power * MAX_CYCLE) / total;
    return w > 0n ? w : 1n;
  });
}
