import type { UnsafeBug } from "../core/types.js";
import { Prng } from "./prng.js";

/** What a Byzantine validator does (it can only sign as itself: the network enforces that). */
export type Behavior =
  | "silent"
  | "equivocateProposal"
  | "equivocateVotes"
  | "invalidProposal"
  | "lieTime"
  | "flood"
  /** As proposer, forgets its valid value: proposes a fresh value with validRound −1 (an amnesia attack on locks). */
  | "amnesia";

export const BEHAVIORS: readonly Behavior[] = [
  "silent",
  "equivocateProposal",
  "equivocateVotes",
  "invalidProposal",
  "lieTime",
  "flood",
  "amnesia",
];

/**
 * T of the liveness check: after GST every correct node commits `heightsAfterGst` more heights
 * within this much simulated time. The slowest of seeds 0..99,999 needed 12.0 s.
 */
export const LIVENESS_WINDOW_MS = 20_000;

export interface Partition {
  readonly startMs: number;
  readonly endMs: number;
  /** Group number per node; messages between groups are lost while the partition lasts. */
  readonly groupOf: readonly number[];
}

export interface Crash {
  readonly node: number;
  readonly atMs: number;
  readonly restartMs: number;
  /** Crash right after the node's next WAL write, losing the effects after it (e.g. the send). */
  readonly afterPersist: boolean;
}

export interface ValidatorSetChange {
  /** Applied by every node's app when it commits this height ... */
  readonly onCommitOf: number;
  /** ... effective from this height, with these powers (0 = not a validator). */
  readonly fromHeight: number;
  readonly powers: readonly bigint[];
}

/** Everything one seed decides about a run. */
export interface Schedule {
  readonly seed: number;
  /** Nodes, validators or not; node i is `v${i}`. */
  readonly nodeCount: number;
  /** Initial powers per node (0 = follower, not in the initial set). */
  readonly powers: readonly bigint[];
  readonly byzantine: ReadonlyMap<number, readonly Behavior[]>;
  readonly skewMs: readonly number[];
  readonly gstMs: number;
  readonly dropPerMille: number;
  readonly duplicatePerMille: number;
  readonly maxDelayBeforeGstMs: number;
  /** Δ: the delay bound after GST. */
  readonly deltaMs: number;
  readonly partitions: readonly Partition[];
  readonly crashes: readonly Crash[];
  readonly validatorSetChange: ValidatorSetChange | null;
  /** Liveness: every correct node commits this many more heights after GST ... */
  readonly heightsAfterGst: number;
  /** ... within this much simulated time. */
  readonly livenessWindowMs: number;
  /** And the run lasts until every correct node has committed at least this many heights. */
  readonly minHeights: number;
  readonly unsafeBug?: UnsafeBug;
}

export interface ScheduleOptions {
  readonly unsafeBug?: UnsafeBug;
  /** Force a shape (used by the broken-core test to aim at the bug). */
  readonly shape?: "n4" | "n4-unequal" | "n7" | "n7-equal";
  /** Make as many validators Byzantine as fit under f (heaviest first), with exactly these behaviors. */
  readonly forceBehaviors?: readonly Behavior[];
}

/** Derive a schedule from a seed: n = 4 (f = 1) or n = 7 (f = 2 or by power), at most f power Byzantine. */
export function makeSchedule(seed: number, options: ScheduleOptions = {}): Schedule {
  const rng = new Prng(seed);
  const shape = options.shape ?? rng.pick(["n4", "n4", "n4-unequal", "n7", "n7-equal"] as const);
  const validatorCount = shape.startsWith("n4") ? 4 : 7;
  const equal = shape === "n4" || shape === "n7-equal";
  const powers: bigint[] = [];
  for (let i = 0; i < validatorCount; i++) powers.push(equal ? 1n : BigInt(rng.range(1, 10)));

  const byzantine = chooseByzantine(rng, powers);
  if (options.forceBehaviors) forceByzantine(byzantine, powers, options.forceBehaviors);
  const nice = rng.chance(150);
  const gstMs = nice ? 0 : rng.range(0, 4000);
  const partitions: Partition[] = [];
  const crashes: Crash[] = [];
  if (gstMs > 0) {
    const partitionCount = rng.range(0, 2);
    for (let i = 0; i < partitionCount; i++) {
      const startMs = rng.range(0, gstMs - 1);
      const endMs = rng.range(startMs + 1, gstMs);
      partitions.push({ startMs, endMs, groupOf: powers.map(() => rng.int(2)) });
    }
    const honest = powers.map((_, i) => i).filter((i) => !byzantine.has(i));
    const crashCount = rng.range(0, 2);
    for (let i = 0; i < crashCount; i++) {
      const atMs = rng.range(0, gstMs - 1);
      // Often a quick restart, to hit the WAL while the height is still undecided.
      const restartMs = rng.chance(500)
        ? Math.min(gstMs, atMs + rng.range(1, 100))
        : rng.range(atMs + 1, gstMs);
      crashes.push({ node: rng.pick(honest), atMs, restartMs, afterPersist: rng.chance(500) });
    }
  }

  // Sometimes the app changes the set: an honest validator gains power, and with n = 4 a
  // follower node joins as a validator. Byzantine power only shrinks relative to the total.
  let validatorSetChange: ValidatorSetChange | null = null;
  const allPowers = [...powers];
  if (rng.chance(300)) {
    const onCommitOf = rng.range(1, 3);
    const next = [...powers];
    const honest = next.map((_, i) => i).filter((i) => !byzantine.has(i));
    const gainer = rng.pick(honest);
    next[gainer] = (next[gainer] ?? 1n) * 2n;
    if (validatorCount === 4 && rng.chance(500)) {
      allPowers.push(0n);
      next.push(BigInt(rng.range(1, 3)));
    }
    validatorSetChange = { onCommitOf, fromHeight: onCommitOf + 2, powers: next };
  }

  const nodeCount = allPowers.length;
  const skewMs = allPowers.map(() => rng.range(-300, 300));
  return {
    seed,
    nodeCount,
    powers: allPowers,
    byzantine,
    skewMs,
    gstMs,
    dropPerMille: nice ? 0 : rng.range(0, 300),
    duplicatePerMille: nice ? 0 : rng.range(0, 100),
    maxDelayBeforeGstMs: nice ? 20 : rng.range(10, 600),
    deltaMs: rng.range(5, 50),
    partitions,
    crashes,
    validatorSetChange,
    heightsAfterGst: 3,
    livenessWindowMs: LIVENESS_WINDOW_MS,
    minHeights: 5,
    ...(options.unsafeBug ? { unsafeBug: options.unsafeBug } : {}),
  };
}

function chooseByzantine(rng: Prng, powers: readonly bigint[]): Map<number, Behavior[]> {
  const byzantine = new Map<number, Behavior[]>();
  if (!rng.chance(700)) return byzantine;
  const total = powers.reduce((a, b) => a + b, 0n);
  let faulty = 0n;
  for (const i of rng.shuffle(powers.map((_, j) => j))) {
    const p = powers[i] ?? 0n;
    // At most f: Byzantine power stays strictly below a third of the total.
    if ((faulty + p) * 3n >= total) continue;
    faulty += p;
    byzantine.set(i, chooseBehaviors(rng));
    if (rng.chance(400)) break;
  }
  return byzantine;
}

function forceByzantine(
  byzantine: Map<number, Behavior[]>,
  powers: readonly bigint[],
  behaviors: readonly Behavior[],
) {
  byzantine.clear();
  const total = powers.reduce((a, b) => a + b, 0n);
  const order = powers.map((p, i) => ({ p, i })).sort((a, b) => (a.p > b.p ? -1 : a.p < b.p ? 1 : a.i - b.i));
  // As many as fit under f, heaviest first.
  let faulty = 0n;
  for (const { p, i } of order) {
    if ((faulty + p) * 3n >= total) continue;
    faulty += p;
    byzantine.set(i, [...behaviors]);
  }
}

function chooseBehaviors(rng: Prng): Behavior[] {
  if (rng.chance(150)) return ["silent"];
  const active = BEHAVIORS.filter((b) => b !== "silent");
  const chosen = active.filter(() => rng.chance(400));
  return chosen.length > 0 ? chosen : [rng.pick(active)];
}
