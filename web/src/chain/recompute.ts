import { type CommissionOutcome, computeCommission, periodIndex } from "../../../src/app/marketing/policy.js";
import {
  amountCodec,
  commissionCodec,
  keys,
  orderCodec,
  policyVersionCodec,
  read,
} from "../../../src/app/marketing/records.js";
import { windowVolume } from "../../../src/app/marketing/tier-volume.js";
import type { StateReader } from "../../../src/app/state.js";
import type { Suite } from "../../../src/crypto/suite.js";
import { LedgerError } from "../../../src/errors.js";
import { bytesEqual, toHex } from "../../../src/ledger/bytes.js";
import { decode } from "../../../src/ledger/codec.js";
import { verifyStateValue } from "../../../src/sdk/verify.js";
import { api } from "./api.js";
import { type ChainChecker, chainChecker } from "./chain-check.js";
import { client } from "./client.js";

/**
 * The auditor's recomputation of a commission, in the browser with the chain's own policy
 * engine (computeCommission, windowVolume from src/), from state proven against headers this
 * browser checked from genesis:
 *  - at the settlement height H: the order as completed, the commission as recorded, and the
 *    policy version it names, whose hash must be the one the commission recorded;
 *  - at H - 1 (the state the block started from): the marketer's tier volume in the window and
 *    what the policy id already paid them in it (the period cap's use).
 * The team lead's share follows the recorded parts (whether a lead was active is roster state).
 */

export interface Recomputation {
  orderId: string;
  settledAt: bigint;
  policyId: string;
  policyVersion: number;
  policyHash: string;
  policyHashMatches: boolean;
  inputs: {
    netReceivedFen: bigint;
    units: bigint;
    channel: string;
    windowVolumeFen: bigint;
    capUsedFen: bigint;
  };
  recorded: { rateBps: number; totalFen: bigint; note: string };
  recomputed: CommissionOutcome;
  matches: boolean;
}

/** A state reader over values proven at one height; asking for a key it was not given is a bug here. */
async function provenState(
  suite: Suite,
  checker: ChainChecker,
  height: bigint,
  wanted: Uint8Array[],
): Promise<StateReader> {
  const { header } = await checker.header(height);
  const values = new Map<string, Uint8Array | undefined>();
  await Promise.all(
    wanted.map(async (key) => {
      const answer = await client.state(key, height);
      values.set(toHex(key), verifyStateValue(suite, { ...answer, header: null }, header));
    }),
  );
  return {
    get: (key) => {
      const hex = toHex(key);
      if (!values.has(hex))
        throw new LedgerError("RECOMPUTE_KEY_MISSING", `state key ${hex} was not fetched`);
      return values.get(hex);
    },
  };
}

/** The keys a synchronous read asks for (they depend on the time and the period, not on values). */
function keysAskedBy(run: (state: StateReader) => void): Uint8Array[] {
  const asked: Uint8Array[] = [];
  run({
    get: (key) => {
      asked.push(key);
      return undefined;
    },
  });
  return asked;
}

/**
 * The height of the block that completed the order (and settled its commission in it): the first
 * block whose time is the order's completion time (block times only increase).
 */
async function completionHeight(completedAtMs: bigint): Promise<bigint> {
  let lo = 1n;
  let hi = BigInt((await client.block("latest")).header.height);
  while (lo < hi) {
    const mid = (lo + hi) / 2n;
    if (BigInt((await client.block(mid)).header.timeMs) < completedAtMs) lo = mid + 1n;
    else hi = mid;
  }
  return lo;
}

export async function recomputeCommission(
  suite: Suite,
  chainId: string,
  orderId: string,
): Promise<Recomputation> {
  const view = await api.order(orderId);
  const { order } = view;
  if (!view.commission || !order.marketer || order.completedAtMs === "0")
    throw new LedgerError("RECOMPUTE_NOT_SETTLED", `order ${orderId} has no commission`);
  const checker = chainChecker(suite, chainId);
  const h = await completionHeight(BigInt(order.completedAtMs));
  const id = BigInt(orderId);
  const policyKey = keys.policyVersion(
    order.enterprise,
    view.commission.policyId,
    view.commission.policyVersion,
  );
  const atH = await provenState(suite, checker, h, [keys.order(id), keys.commission(id), policyKey]);
  const completed = read(atH, keys.order(id), orderCodec);
  const recorded = read(atH, keys.commission(id), commissionCodec);
  const policyBytes = atH.get(policyKey);
  if (!completed || !recorded || !policyBytes || completed.status !== "completed" || !completed.marketer)
    throw new LedgerError("RECOMPUTE_NOT_SETTLED", `order ${orderId} was not completed at height ${h}`);
  const marketer = completed.marketer;
  const policy = decode(policyVersionCodec, policyBytes);
  const { rules } = policy;
  const timeMs = completed.completedAtMs;
  const capKey = keys.capUsed(
    order.enterprise,
    marketer,
    policy.policyId,
    rules.periodDays,
    periodIndex(timeMs, rules.periodDays),
  );
  const volume = (state: StateReader) =>
    windowVolume(state, order.enterprise, marketer, rules.periodDays, timeMs);
  const before = await provenState(suite, checker, h - 1n, [...keysAskedBy(volume), capKey, keys.order(id)]);
  if (read(before, keys.order(id), orderCodec)?.status === "completed")
    throw new LedgerError(
      "RECOMPUTE_NOT_SETTLED",
      `order ${orderId} was already completed before height ${h}`,
    );
  const inputs = {
    netReceivedFen: completed.netAtCompletionFen,
    units: BigInt(completed.quantity - completed.returnedUnits),
    channel: completed.channel,
    windowVolumeFen: volume(before),
    capUsedFen: read(before, capKey, amountCodec)?.fen ?? 0n,
  };
  const recomputed = computeCommission({
    rules,
    netReceivedFen: inputs.netReceivedFen,
    units: inputs.units,
    channel: inputs.channel,
    windowVolumeFen: inputs.windowVolumeFen,
    windowCommissionFen: inputs.capUsedFen,
    ownPurchase: completed.selfReferral,
    hasTeamLead: recorded.parts.some((p) => p.role === "team-lead"),
  });
  const policyHashMatches = bytesEqual(suite.hash(policyBytes), recorded.policyHash);
  const sum = (role: string) =>
    recorded.parts.filter((p) => p.role === role).reduce((n, p) => n + p.grossFen, 0n);
  return {
    orderId,
    settledAt: h,
    policyId: policy.policyId,
    policyVersion: policy.version,
    policyHash: toHex(recorded.policyHash),
    policyHashMatches,
    inputs,
    recorded: { rateBps: recorded.rateBps, totalFen: recorded.totalFen, note: recorded.note },
    recomputed,
    matches:
      policyHashMatches &&
      recorded.baseFen === inputs.netReceivedFen &&
      recorded.rateBps === recomputed.rateBps &&
      recorded.totalFen === recomputed.totalFen &&
      recorded.note === recomputed.note &&
      sum("marketer") === recomputed.marketerFen &&
      sum("team-lead") === recomputed.teamLeadFen,
  };
}
