import { Prng } from "../../../consensus/sim/prng.js";

/** What a Byzantine validator does besides running the real engine. */
export const BEHAVIORS = [
  /** Sends a second, conflicting vote (signed) to half its peers for every vote it makes. */
  "equivocate",
  /** Corrupts the signature of some of its messages. */
  "badSignature",
  /** Sends random bytes now and then. */
  "garbage",
  /** Re-sends proposals it received with another valid certificate for the previous block. */
  "swapCertificate",
  /** Answers block requests with blocks whose certificate does not verify. */
  "badSyncBlocks",
  /** Sends nothing at all. */
  "silent",
] as const;
export type Behavior = (typeof BEHAVIORS)[number];

/** Where a crash strikes: at a random moment, inside a WAL append, or halfway through a commit. */
export type CrashKind = "anytime" | "walAppend" | "midCommit";

export interface Crash {
  readonly node: number;
  readonly atMs: number;
  readonly kind: CrashKind;
  /** Down this long: a long stop makes the node catch up by block sync. */
  readonly downMs: number;
}

export interface Partition {
  readonly fromMs: number;
  readonly untilMs: number;
  /** The nodes cut off from the rest. */
  readonly side: readonly number[];
}

export interface EngineSchedule {
  readonly seed: number;
  /** Powers of validators 0..3 at genesis; node 4 starts as an observer. */
  readonly powers: readonly bigint[];
  readonly byzantine: ReadonlyMap<number, readonly Behavior[]>;
  /** Governance adds node 4 with this power, starting at `atMs`. */
  readonly join: { readonly atMs: number; readonly power: bigint } | null;
  readonly gstMs: number;
  readonly dropPerMille: number;
  readonly duplicatePerMille: number;
  readonly maxDelayMs: number;
  /** After GST every message arrives within this. */
  readonly deltaMs: number;
  readonly partitions: readonly Partition[];
  readonly crashes: readonly Crash[];
  /** Per node, how far its clock is off (BFT time must not care). */
  readonly clockSkewMs: readonly number[];
  /** Liveness: after GST every honest node commits this many more heights within the window. */
  readonly heightsAfterGst: number;
  readonly livenessWindowMs: number;
}

export const NODES = 5;
const UNEQUAL_POWERS: readonly (readonly bigint[])[] = [
  [5n, 10n, 15n, 20n],
  [1n, 9n, 9n, 9n],
  [7n, 7n, 3n, 12n],
];
export const LIVENESS_WINDOW_MS = 30_000;

export interface EngineScheduleOptions {
  /** Make validator 0 Byzantine with exactly these behaviours (used to aim at a bug). */
  readonly forceBehaviors?: readonly Behavior[];
  /** At least this many crashes of these kinds (used to aim at a bug). */
  readonly forceCrashes?: { readonly kind: CrashKind; readonly count: number };
}

/** One seed, one schedule. Byzantine power always stays below a third, before and after a join. */
export function makeEngineSchedule(seed: number, options: EngineScheduleOptions = {}): EngineSchedule {
  const rng = new Prng(seed);
  const equal = rng.chance(600);
  // A few genesis shapes only: the chain checks a genesis's certificates once per shape.
  const powers = equal ? [10n, 10n, 10n, 10n] : [...rng.pick(UNEQUAL_POWERS)];
  const join = rng.chance(400) ? { atMs: rng.range(300, 2_500), power: BigInt(rng.range(1, 10)) } : null;
  const byzantine = new Map<number, Behavior[]>();
  const byzantineIndex = rng.int(4);
  const total = powers.reduce((a, b) => a + b, 0n);
  const byzantinePower = powers[byzantineIndex] as bigint;
  const fits = byzantinePower * 3n < total && (join === null || byzantinePower * 3n < total + join.power);
  if (options.forceBehaviors !== undefined) {
    byzantine.set(0, [...options.forceBehaviors]);
    powers.splice(0, 4, 1n, 10n, 10n, 10n); // light enough to stay under a third
  } else if (fits && rng.chance(500)) {
    const behaviors = BEHAVIORS.filter(() => rng.chance(400));
    byzantine.set(byzantineIndex, behaviors.length > 0 ? behaviors : [rng.pick(BEHAVIORS)]);
  }
  const gstMs = rng.range(1_500, 3_500);
  const nice = rng.chance(100);
  const partitions: Partition[] = [];
  for (let i = nice ? 0 : rng.range(0, 2); i > 0; i--) {
    const fromMs = rng.range(0, gstMs - 500);
    const side = rng.shuffle([0, 1, 2, 3, 4]).slice(0, rng.range(1, 2));
    partitions.push({ fromMs, untilMs: Math.min(gstMs, fromMs + rng.range(200, 2_000)), side });
  }
  const crashes: Crash[] = [];
  const crashKinds: CrashKind[] = ["anytime", "walAppend", "midCommit"];
  const crash = (kind: CrashKind): Crash => ({
    node: rng.int(NODES),
    atMs: rng.range(100, gstMs - 200),
    kind,
    downMs: rng.chance(300) ? rng.range(1_500, 4_000) : rng.range(20, 800),
  });
  for (let i = nice ? 0 : rng.range(0, 3); i > 0; i--) crashes.push(crash(rng.pick(crashKinds)));
  if (options.forceCrashes !== undefined)
    for (let i = 0; i < options.forceCrashes.count; i++) crashes.push(crash(options.forceCrashes.kind));
  return {
    seed,
    powers,
    byzantine,
    join,
    gstMs,
    dropPerMille: nice ? 0 : rng.range(0, 250),
    duplicatePerMille: nice ? 0 : rng.range(0, 100),
    maxDelayMs: nice ? 20 : rng.range(10, 400),
    deltaMs: rng.range(5, 50),
    partitions,
    crashes: crashes.sort((a, b) => a.atMs - b.atMs),
    clockSkewMs: Array.from({ length: NODES }, () => rng.range(-300, 300)),
    heightsAfterGst: 3,
    livenessWindowMs: LIVENESS_WINDOW_MS,
  };
}
