import type { Prng } from "../../src/consensus/sim/prng.js";
import { bytesEqual } from "../../src/ledger/bytes.js";
import { inputPrng, MAX_FAILURES, type Progress, progressReporter, type Shard } from "./shard.js";
import { type FuzzTarget, isTypedError } from "./targets.js";

/** One input that broke a decoder: what it was, and how to replay it. */
export interface FuzzFailure {
  readonly target: string;
  readonly seed: number;
  readonly index: number;
  readonly inputHex: string;
  readonly problem: string;
}

export interface FuzzReport {
  readonly shard: Shard;
  /** Inputs tried (fewer than the shard's count only when it stopped at MAX_FAILURES). */
  readonly done: number;
  /** Per target: inputs tried, decoded, refused with a typed error. */
  readonly byTarget: Record<string, { tried: number; decoded: number; refused: number }>;
  readonly failures: FuzzFailure[];
}

/**
 * A seeded input: random bytes, or the target's valid input mutated (bytes flipped or set,
 * truncated, extended, a slice repeated, a length prefix made huge), or now and then (1 in 64)
 * the valid input itself: a format with a checksum (a user code) almost never survives a
 * mutation (about 1 in 2,000), and every run must reach each decoder's way to success too. The
 * same seed and index give the same bytes on every machine (`inputPrng`).
 */
export function fuzzInput(prng: Prng, seed: Uint8Array): Uint8Array {
  const choice = prng.int(64);
  if (choice === 0) return Uint8Array.from(seed);
  if (choice <= 8) return Uint8Array.from(randomBytes(prng, prng.int(prng.int(2) === 0 ? 16 : 600)));
  const out = [...seed];
  const edits = 1 + prng.int(4);
  for (let e = 0; e < edits && out.length > 0; e++) {
    const at = prng.int(out.length);
    switch (prng.int(7)) {
      case 0:
        out[at] = (out[at] ?? 0) ^ (1 << prng.int(8));
        break;
      case 1:
        out[at] = prng.int(256);
        break;
      case 2:
        out.length = at;
        break;
      case 3:
        out.push(...randomBytes(prng, 1 + prng.int(32)));
        break;
      case 4: {
        const length = 1 + prng.int(Math.min(64, out.length - at));
        out.splice(at, 0, ...out.slice(at, at + length));
        break;
      }
      case 5:
        // A big or boundary number where a length prefix may be.
        out.splice(
          at,
          4,
          ...[
            [0xff, 0xff, 0xff, 0xff],
            [0, 0, 0, 0],
            [0x7f, 0xff, 0xff, 0xff],
            [0x80, 0, 0, 0],
          ][prng.int(4)]!,
        );
        break;
      case 6:
        out.splice(at, 1 + prng.int(8));
        break;
    }
  }
  return Uint8Array.from(out);
}

function randomBytes(prng: Prng, n: number): number[] {
  return Array.from({ length: n }, () => prng.int(256));
}

/**
 * Runs the shard's inputs, round robin over the targets (input `index` goes to target `index mod
 * targets`); collects every failure, stopping at MAX_FAILURES. `onProgress` hears every ~10 s.
 */
export function runFuzz(
  targets: readonly FuzzTarget[],
  shard: Shard,
  onProgress?: (progress: Progress) => void,
): FuzzReport {
  const { seed, from, count } = shard;
  const byTarget: FuzzReport["byTarget"] = {};
  const failures: FuzzFailure[] = [];
  const progress = progressReporter(10_000, onProgress);
  for (const target of targets) byTarget[target.name] = { tried: 0, decoded: 0, refused: 0 };
  let done = 0;
  for (; done < count && failures.length < MAX_FAILURES; done++) {
    const index = from + done;
    const target = targets[index % targets.length]!;
    const input = fuzzInput(inputPrng(seed, index), target.seed);
    const counts = byTarget[target.name]!;
    counts.tried++;
    const fail = (problem: string) =>
      failures.push({
        target: target.name,
        seed,
        index,
        inputHex: Buffer.from(input).toString("hex"),
        problem,
      });
    try {
      const reencoded = target.run(input);
      counts.decoded++;
      if (reencoded !== undefined && !bytesEqual(reencoded, input))
        fail("decoded, but re-encodes to other bytes");
    } catch (error) {
      if (isTypedError(error)) counts.refused++;
      else
        fail(
          `untyped ${(error as Error)?.constructor?.name ?? typeof error}: ${(error as Error)?.message ?? String(error)}`,
        );
    }
    progress({ done: done + 1, failures: failures.length });
  }
  return { shard, done, byTarget, failures };
}
