import { invariant } from "../../errors.js";

/**
 * Money arithmetic of the marketing module: bigint fen only, never floats.
 *
 * Rounding rule (one for the whole module): a product of an amount and a rate is FLOORED to
 * the fen (`mulDivFloor`), so the enterprise never pays a fraction of a fen more than its policy
 * says. Whenever an amount is divided among several parties, `largestRemainderSplit` is used, so
 * the parts always sum exactly to the amount.
 */

export const BPS_DENOMINATOR = 10_000n;

/** floor(a * b / c) for non-negative a, b and positive c. */
export function mulDivFloor(a: bigint, b: bigint, c: bigint): bigint {
  invariant(a >= 0n && b >= 0n && c > 0n, "mulDivFloor takes non-negative operands", {
    a: String(a),
    b: String(b),
    c: String(c),
  });
  return (a * b) / c;
}

/** floor(amount * bps / 10000). */
export function applyBps(amountFen: bigint, bps: number): bigint {
  return mulDivFloor(amountFen, BigInt(bps), BPS_DENOMINATOR);
}

/**
 * Splits `amountFen` in proportion to `weights` (Hamilton's largest-remainder method): each
 * part gets the floor of its exact share, then the fen left over go one each to the parts with
 * the largest remainders, ties to the lower index. The parts sum exactly to the amount. With
 * all weights zero, everything goes to the first part.
 */
export function largestRemainderSplit(amountFen: bigint, weights: readonly bigint[]): bigint[] {
  invariant(amountFen >= 0n, "a split amount is non-negative", { amountFen: String(amountFen) });
  invariant(weights.length > 0, "a split needs at least one part");
  invariant(
    weights.every((w) => w >= 0n),
    "split weights are non-negative",
  );
  const total = weights.reduce((s, w) => s + w, 0n);
  if (total === 0n) return weights.map((_, i) => (i === 0 ? amountFen : 0n));
  const parts = weights.map((w) => (amountFen * w) / total);
  const remainders = weights.map((w, i) => ({ i, r: (amountFen * w) % total }));
  let left = amountFen - parts.reduce((s, p) => s + p, 0n);
  remainders.sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  for (const { i } of remainders) {
    if (left === 0n) break;
    parts[i] = parts[i]! + 1n;
    left -= 1n;
  }
  invariant(left === 0n, "largest remainder left fen over");
  return parts;
}

export const minBig = (a: bigint, b: bigint): bigint => (a < b ? a : b);
export const maxBig = (a: bigint, b: bigint): bigint => (a > b ? a : b);
