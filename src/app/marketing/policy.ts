import { encode } from "../../ledger/codec.js";
import type { StateOverlay, StateReader } from "../state.js";
import { MarketingError } from "./errors.js";
import { applyBps, largestRemainderSplit, minBig } from "./money.js";
import {
  type CommissionNote,
  keys,
  type PolicyHead,
  type PolicyRules,
  type PolicyVersion,
  policyHeadCodec,
  policyVersionCodec,
  read,
  type ScopeKind,
  write,
} from "./records.js";

/**
 * Royalty policies: the contracts that compute a commission. A policy is versioned; every
 * version is stored for good and identified by the hash of its canonical encoding, which each
 * commission records so anyone can recompute it.
 *
 * What a policy can say is deliberately narrow: rates on money actually received, a fixed
 * amount per unit, volume tiers, per-channel rates, caps, the own-purchase flag, and one team
 * lead share carved OUT of the commission. There is no field for a recruiting reward, a joining
 * fee or a second override level, so none can be expressed (anti-pyramid rules).
 */

export const DAY_MS = 86_400_000n;

export interface StoredPolicy {
  readonly version: PolicyVersion;
  readonly hash: Uint8Array;
}

/**
 * Stores the next version of a policy and binds its scope to it. Returns the version. The
 * policy was checked (checkPolicy) before: setRoyaltyPolicy's checkValue does it.
 */
export function publishPolicy(
  state: StateOverlay,
  hash: (data: Uint8Array) => Uint8Array,
  enterprise: string,
  policyId: string,
  scopeKind: ScopeKind,
  scopeValue: string,
  rules: PolicyRules,
): StoredPolicy {
  const value = scopeKind === "enterprise" ? "" : scopeValue;
  const head = read(state, keys.policyHead(enterprise, policyId), policyHeadCodec);
  if (head && (head.scopeKind !== scopeKind || head.scopeValue !== value)) {
    throw new MarketingError("POLICY_SCOPE_FIXED", "a policy keeps the scope of its first version", {
      policyId,
    });
  }
  const version: PolicyVersion = {
    enterprise,
    policyId,
    version: (head?.version ?? 0) + 1,
    scopeKind,
    scopeValue: value,
    rules,
  };
  const bytes = encode(policyVersionCodec, version);
  const versionHash = hash(bytes);
  state.set(keys.policyVersion(enterprise, policyId, version.version), bytes);
  write(state, keys.policyHead(enterprise, policyId), policyHeadCodec, {
    version: version.version,
    hash: versionHash,
    scopeKind,
    scopeValue: value,
  });
  state.set(keys.policyScope(enterprise, scopeKind, value), new TextEncoder().encode(policyId));
  return { version, hash: versionHash };
}

export function readPolicyHead(
  state: StateReader,
  enterprise: string,
  policyId: string,
): PolicyHead | undefined {
  return read(state, keys.policyHead(enterprise, policyId), policyHeadCodec);
}

export function readPolicyVersion(
  state: StateReader,
  enterprise: string,
  policyId: string,
  version: number,
): PolicyVersion | undefined {
  return read(state, keys.policyVersion(enterprise, policyId, version), policyVersionCodec);
}

/** The policy in force for a product: product scope, else its category, else the enterprise default. */
export function resolvePolicy(
  state: StateReader,
  enterprise: string,
  sku: string,
  category: string,
): StoredPolicy | undefined {
  const scopes: Array<[ScopeKind, string]> = [
    ["product", sku],
    ["category", category],
    ["enterprise", ""],
  ];
  for (const [kind, value] of scopes) {
    if (kind === "category" && value === "") continue;
    const bound = state.get(keys.policyScope(enterprise, kind, value));
    if (bound === undefined) continue;
    const policyId = new TextDecoder().decode(bound);
    const head = readPolicyHead(state, enterprise, policyId);
    const version = head && readPolicyVersion(state, enterprise, policyId, head.version);
    if (head && version) return { version, hash: head.hash };
  }
  return undefined;
}

export interface CommissionInput {
  readonly rules: PolicyRules;
  /** Amount received net of refunds: the base of every percentage. */
  readonly netReceivedFen: bigint;
  /** Units sold net of returns. */
  readonly units: bigint;
  readonly channel: string;
  /** The marketer's tier volume earlier in this window: net received with the enterprise, all products and policies (R1-R3). */
  readonly windowVolumeFen: bigint;
  /** The commission the marketer already earned under this policy id in this window (the cap's use). */
  readonly windowCommissionFen: bigint;
  readonly ownPurchase: boolean;
  readonly hasTeamLead: boolean;
}

export interface CommissionOutcome {
  readonly rateBps: number;
  readonly totalFen: bigint;
  readonly marketerFen: bigint;
  readonly teamLeadFen: bigint;
  readonly note: CommissionNote;
}

/** The rate for an order: its channel's rate if the policy names one, else the tier reached, else the base. */
export function rateFor(rules: PolicyRules, channel: string, windowVolumeFen: bigint): number {
  const byChannel = rules.channelBps.find((c) => c.channel === channel);
  if (byChannel) return byChannel.bps;
  let rate = rules.baseBps;
  for (const tier of rules.tiers) if (windowVolumeFen >= tier.minPeriodVolumeFen) rate = tier.bps;
  return rate;
}

/**
 * The commission of one completed order, in this order:
 *  1. own purchase without ownPurchaseEarns: 0;
 *  2. floor(net received x rate / 10000) + fixedPerUnit x units;
 *  3. at most capPerOrderFen; 4. at most what is left of capPerMarketerPeriodFen;
 *  5. at most the net received (a commission never exceeds the money received);
 *  6. split between the marketer and (if any) the team lead by largest remainder, the lead
 *     getting teamLeadShareBps of the total. The enterprise's cost never depends on the team.
 */
export function computeCommission(input: CommissionInput): CommissionOutcome {
  const { rules } = input;
  const rateBps = rateFor(rules, input.channel, input.windowVolumeFen);
  if (input.ownPurchase && !rules.ownPurchaseEarns) {
    return { rateBps, totalFen: 0n, marketerFen: 0n, teamLeadFen: 0n, note: "own-purchase" };
  }
  let total = applyBps(input.netReceivedFen, rateBps) + rules.fixedPerUnitFen * input.units;
  let note: CommissionNote = "rate";
  if (rules.capPerOrderFen !== undefined && total > rules.capPerOrderFen) {
    total = rules.capPerOrderFen;
    note = "cap-order";
  }
  if (rules.capPerMarketerPeriodFen !== undefined) {
    const left =
      rules.capPerMarketerPeriodFen - minBig(rules.capPerMarketerPeriodFen, input.windowCommissionFen);
    if (total > left) {
      total = left;
      note = "cap-period";
    }
  }
  if (total > input.netReceivedFen) {
    total = input.netReceivedFen;
    note = "cap-received";
  }
  const leadBps = input.hasTeamLead ? BigInt(rules.teamLeadShareBps) : 0n;
  const [marketerFen, teamLeadFen] = largestRemainderSplit(total, [10_000n - leadBps, leadBps]) as [
    bigint,
    bigint,
  ];
  return { rateBps, totalFen: total, marketerFen, teamLeadFen, note };
}

/** Index of the period (of `periodDays` days of block time) that contains `timeMs`. */
export function periodIndex(timeMs: bigint, periodDays: number): bigint {
  return timeMs / (BigInt(periodDays) * DAY_MS);
}
