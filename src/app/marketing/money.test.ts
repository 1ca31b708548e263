import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { largestRemainderSplit, mulDivFloor } from "./money.js";
import { computeCommission } from "./policy.js";
import { plainRules } from "./testkit.test-util.js";

/** An exact non-negative fraction n/d in lowest terms (d > 0). */
interface Fraction {
  readonly n: bigint;
  readonly d: bigint;
}
const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));
function fraction(n: bigint, d: bigint): Fraction {
  const g = gcd(n, d) || 1n;
  return { n: n / g, d: d / g };
}
const minus = (x: Fraction, y: Fraction) => fraction(x.n * y.d - y.n * x.d, x.d * y.d);
const compare = (x: Fraction, y: Fraction) => {
  const l = x.n * y.d;
  const r = y.n * x.d;
  return l < r ? -1 : l > r ? 1 : 0;
};

/**
 * The reference, written from the definition of Hamilton's method with exact fractions: each
 * party's exact share amount x w / total, its whole part, and the fen left over one each to the
 * largest fractional parts (ties to the lower index).
 */
function referenceSplit(amount: bigint, weights: bigint[]): bigint[] {
  const total = weights.reduce((a, b) => a + b, 0n);
  if (total === 0n) return weights.map((_, i) => (i === 0 ? amount : 0n));
  const shares = weights.map((w) => fraction(amount * w, total));
  const whole = shares.map((q) => q.n / q.d);
  const fractional = shares.map((q, i) => ({ i, f: minus(q, fraction(whole[i]!, 1n)) }));
  fractional.sort((a, b) => compare(b.f, a.f) || a.i - b.i);
  const out = [...whole];
  let left = amount - whole.reduce((a, b) => a + b, 0n);
  for (const { i } of fractional) {
    if (left === 0n) break;
    out[i] = out[i]! + 1n;
    left -= 1n;
  }
  return out;
}

const fen = fc.bigInt({ min: 0n, max: 10n ** 15n });

describe("largestRemainderSplit", () => {
  it("sums exactly to the amount, each part within a fen of its exact share, as the reference", () => {
    fc.assert(
      fc.property(
        fen,
        fc.array(fc.bigInt({ min: 0n, max: 10n ** 9n }), { minLength: 1, maxLength: 12 }),
        (amount, weights) => {
          const parts = largestRemainderSplit(amount, weights);
          expect(parts.reduce((a, b) => a + b, 0n)).toBe(amount);
          expect(parts).toEqual(referenceSplit(amount, weights));
          const total = weights.reduce((a, b) => a + b, 0n);
          if (total > 0n) {
            parts.forEach((p, i) => {
              const exactFloor = (amount * weights[i]!) / total;
              expect(p === exactFloor || p === exactFloor + 1n).toBe(true);
            });
          }
        },
      ),
    );
  });

  it("is monotone for two parties (a smaller amount never gives a part more)", () => {
    fc.assert(
      fc.property(fen, fen, fc.integer({ min: 0, max: 10_000 }), (a, b, bps) => {
        const [lo, hi] = a < b ? [a, b] : [b, a];
        const w = [BigInt(10_000 - bps), BigInt(bps)];
        const x = largestRemainderSplit(lo, w);
        const y = largestRemainderSplit(hi, w);
        expect(x[0]! <= y[0]! && x[1]! <= y[1]!).toBe(true);
      }),
    );
  });

  it("floors products to the fen", () => {
    expect(mulDivFloor(59_600n, 1_000n, 10_000n)).toBe(5_960n);
    expect(mulDivFloor(2_000n, 25_800n, 38_700n)).toBe(1_333n);
  });
});

describe("computeCommission", () => {
  const rulesArb = fc.record({
    baseBps: fc.integer({ min: 0, max: 10_000 }),
    fixedPerUnitFen: fc.bigInt({ min: 0n, max: 10_000n }),
    capPerOrderFen: fc.option(fc.bigInt({ min: 0n, max: 100_000n }), { nil: undefined }),
    capPerMarketerPeriodFen: fc.option(fc.bigInt({ min: 0n, max: 100_000n }), { nil: undefined }),
    teamLeadShareBps: fc.integer({ min: 0, max: 10_000 }),
    ownPurchaseEarns: fc.boolean(),
  });
  it("never pays more than received, the caps, and splits exactly between marketer and lead", () => {
    fc.assert(
      fc.property(
        rulesArb,
        fen,
        fc.bigInt({ min: 0n, max: 1000n }),
        fen,
        fc.boolean(),
        fc.boolean(),
        (r, net, units, periodCommission, own, hasLead) => {
          const out = computeCommission({
            rules: plainRules(r),
            netReceivedFen: net,
            units,
            channel: "online",
            windowVolumeFen: 0n,
            windowCommissionFen: periodCommission,
            ownPurchase: own,
            hasTeamLead: hasLead,
          });
          expect(out.totalFen).toBeGreaterThanOrEqual(0n);
          expect(out.totalFen <= net).toBe(true);
          if (r.capPerOrderFen !== undefined) expect(out.totalFen <= r.capPerOrderFen).toBe(true);
          if (r.capPerMarketerPeriodFen !== undefined) {
            expect(
              out.totalFen <=
                (r.capPerMarketerPeriodFen > periodCommission
                  ? r.capPerMarketerPeriodFen - periodCommission
                  : 0n),
            ).toBe(true);
          }
          if (own && !r.ownPurchaseEarns) expect(out.totalFen).toBe(0n);
          expect(out.marketerFen + out.teamLeadFen).toBe(out.totalFen);
          if (!hasLead) expect(out.teamLeadFen).toBe(0n);
        },
      ),
    );
  });

  it("uses the channel rate over the tiers, and the highest tier reached over the base", () => {
    const rules = plainRules({
      baseBps: 500,
      tiers: [
        { minPeriodVolumeFen: 1_000n, bps: 700 },
        { minPeriodVolumeFen: 5_000n, bps: 900 },
      ],
      channelBps: [{ channel: "offline", bps: 100 }],
    });
    const at = (channel: string, volume: bigint) =>
      computeCommission({
        rules,
        netReceivedFen: 10_000n,
        units: 1n,
        channel,
        windowVolumeFen: volume,
        windowCommissionFen: 0n,
        ownPurchase: false,
        hasTeamLead: false,
      }).rateBps;
    expect([at("online", 0n), at("online", 1_000n), at("online", 9_999n), at("offline", 9_999n)]).toEqual([
      500, 700, 900, 100,
    ]);
  });
});
