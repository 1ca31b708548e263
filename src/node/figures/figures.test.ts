import { describe, expect, it } from "vitest";
import { appEvent } from "../../app/events.js";
import {
  type CommissionPart,
  commissionCodec,
  type Order,
  type OrderStatus,
  orderCodec,
} from "../../app/marketing/records.js";
import { proposer, ValidatorSet } from "../../consensus/index.js";
import type { Block } from "../../ledger/block.js";
import { concatBytes, fromHex, toHex } from "../../ledger/bytes.js";
import { encode } from "../../ledger/codec.js";
import { NodeMetrics } from "../metrics.js";
import { ConsensusFigures } from "./consensus.js";
import { COMMISSION_PREFIX, MarketingFigures, ORDER_PREFIX } from "./marketing.js";

async function value(metrics: NodeMetrics, name: string, labels: Record<string, string> = {}) {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const sample = metric?.values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x));
  return sample?.value ?? 0;
}

const be64 = (n: number) => {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n));
  return out;
};
const order = (id: number, status: OrderStatus): Order => ({
  id: BigInt(id),
  basketId: BigInt(id),
  line: 0,
  lines: 1,
  enterprise: "org1",
  sku: "SKU",
  quantity: 1,
  channel: "web",
  listValueFen: 100n,
  unitCostFen: 40n,
  status,
  referralCode: undefined,
  marketer: undefined,
  buyerCommitment: new Uint8Array(32),
  buyerCode: undefined,
  selfReferral: false,
  inTierVolume: false,
  receivedFen: 0n,
  refundedFen: 0n,
  returnedUnits: 0,
  createdAtMs: 0n,
  deliveredAtMs: 0n,
  dueAtMs: 0n,
  completedAtMs: 0n,
  netAtCompletionFen: 0n,
  lastReason: "other",
});
const orderEntry = (id: number, status: OrderStatus) => ({
  key: concatBytes(ORDER_PREFIX, be64(id)),
  value: encode(orderCodec, order(id, status)),
});
const commissionEntry = (id: number, statuses: CommissionPart["status"][]) => ({
  key: concatBytes(COMMISSION_PREFIX, be64(id)),
  value: encode(commissionCodec, {
    orderId: BigInt(id),
    enterprise: "org1",
    policyId: "p",
    policyVersion: 1,
    policyHash: new Uint8Array(32),
    rateBps: 100,
    baseFen: 100n,
    totalFen: 1n,
    note: "rate",
    parts: statuses.map((status) => ({
      payee: new Uint8Array(10),
      role: "marketer" as const,
      grossFen: 1n,
      clawedBackFen: 0n,
      settledFen: 0n,
      status,
    })),
  }),
});

describe("marketing figures", () => {
  it("counts orders by state and commission parts by status from a scan, then from each commit's writes", async () => {
    const metrics = new NodeMetrics();
    const state = new Map<string, Uint8Array>();
    const reader = { get: (key: Uint8Array) => state.get(toHex(key)) };
    const figures = new MarketingFigures(metrics, reader);
    const stored = [orderEntry(1, "paid"), orderEntry(2, "paid"), commissionEntry(1, ["payable"])];
    for (const e of stored) state.set(toHex(e.key), e.value);
    figures.load(stored);
    expect(await value(metrics, "mkl_marketing_orders", { state: "paid" })).toBe(2);
    expect(await value(metrics, "mkl_marketing_orders", { state: "completed" })).toBe(0);

    // One block: order 1 completes, order 3 is created, commission 1 settles and gets a second part.
    const writes = [
      orderEntry(1, "completed"),
      orderEntry(3, "created"),
      commissionEntry(1, ["settled", "payable"]),
    ];
    const apply = figures.committing(writes, reader);
    expect(await value(metrics, "mkl_marketing_orders", { state: "completed" })).toBe(0); // not durable yet
    apply?.();
    expect(await value(metrics, "mkl_marketing_orders", { state: "paid" })).toBe(1);
    expect(await value(metrics, "mkl_marketing_orders", { state: "completed" })).toBe(1);
    expect(await value(metrics, "mkl_marketing_orders", { state: "created" })).toBe(1);
    expect(await value(metrics, "mkl_marketing_commission_parts", { status: "settled" })).toBe(1);
    expect(await value(metrics, "mkl_marketing_commission_parts", { status: "payable" })).toBe(1);
    // Writes that touch nothing counted give nothing to apply.
    expect(figures.committing([{ key: fromHex("00"), value: undefined }], reader)).toBeUndefined();
  });

  it("counts anomaly events by kind", async () => {
    const metrics = new NodeMetrics();
    const figures = new MarketingFigures(metrics, { get: () => undefined });
    figures.events([
      appEvent("anomaly", { kind: "self-referral" }),
      appEvent("orderPaid", { orderId: 1 }),
      appEvent("anomaly", { kind: "self-referral" }),
      appEvent("anomaly", { kind: "completion-failed" }),
    ]);
    expect(await value(metrics, "mkl_marketing_anomalies_total", { kind: "self-referral" })).toBe(2);
    expect(await value(metrics, "mkl_marketing_anomalies_total", { kind: "completion-failed" })).toBe(1);
  });
});

describe("consensus figures", () => {
  const ids = ["a1", "b2", "c3", "d4"];
  const validators = ids.map((id) => ({ publicKey: fromHex(id), power: 1n }));
  const make = (clock = { ms: 0 }) => {
    const metrics = new NodeMetrics();
    const figures = new ConsensusFigures({
      metrics,
      validatorsAt: () => validators,
      nameOf: (id) => `v-${id}`,
      nowMs: () => clock.ms,
    });
    return { metrics, figures };
  };
  /** A histogram's sum and count for one label set. */
  const histogram = async (metrics: NodeMetrics, name: string, labels: Record<string, string>) => {
    const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
    const values = (metric?.values ?? []) as Array<{
      metricName?: string;
      labels: Record<string, unknown>;
      value: number;
    }>;
    const of = (suffix: string) =>
      values.find(
        (v) =>
          v.metricName === `${name}${suffix}` && Object.entries(labels).every(([k, x]) => v.labels[k] === x),
      )?.value ?? 0;
    return { sum: of("_sum"), count: of("_count") };
  };

  it("times each step from the step change that began it to the one that ended it", async () => {
    const clock = { ms: 1_000 };
    const { metrics, figures } = make(clock);
    const at = (ms: number, height: number, round: number, step: "propose" | "prevote" | "precommit") => {
      clock.ms = ms;
      figures.stepChanged({ height, round, step });
    };
    at(1_000, 7, 0, "propose");
    at(1_300, 7, 0, "prevote");
    at(1_350, 7, 0, "precommit");
    at(1_450, 8, 0, "propose"); // committed: the precommit step ends with the height
    at(1_500, 8, 0, "prevote");
    at(2_500, 8, 0, "precommit");
    at(3_500, 8, 1, "propose"); // the round ended without a commit
    figures.proposalBuilt({ waitedMs: 10, buildMs: 250 });
    const expected = [
      ["mkl_consensus_step_seconds", "step", "propose", 2, 0.35],
      ["mkl_consensus_step_seconds", "step", "prevote", 2, 1.05],
      ["mkl_consensus_step_seconds", "step", "precommit", 2, 1.1],
      ["mkl_consensus_proposal_seconds", "phase", "wait", 1, 0.01],
      ["mkl_consensus_proposal_seconds", "phase", "build", 1, 0.25],
    ] as const;
    for (const [name, label, key, count, sum] of expected)
      expect(await histogram(metrics, name, { [label]: key })).toMatchObject({
        count,
        sum: expect.closeTo(sum, 9),
      });
  });
  const vote = (height: number, round: number, type: "prevote" | "precommit", validator: string) =>
    ({ type, height, round, valueId: "x", validator, timestampMs: 0 }) as const;

  it("counts a validator's missing votes when the next height is decided, so late votes still count", async () => {
    const { metrics, figures } = make();
    for (const v of ["a1", "b2", "c3"]) figures.voted(vote(5, 1, "prevote", v));
    for (const v of ["a1", "b2", "c3"]) figures.voted(vote(5, 1, "precommit", v));
    figures.voted(vote(5, 0, "prevote", "d4")); // another round does not count for round 1
    figures.decided({ height: 5, round: 1 });
    figures.voted(vote(5, 1, "precommit", "d4")); // late, after the quorum
    expect(await value(metrics, "mkl_consensus_missing_votes_total")).toBe(0);
    figures.decided({ height: 6, round: 0 });
    expect(
      await value(metrics, "mkl_consensus_missing_votes_total", { validator: "v-d4", type: "prevote" }),
    ).toBe(1);
    expect(
      await value(metrics, "mkl_consensus_missing_votes_total", { validator: "v-d4", type: "precommit" }),
    ).toBe(0);
    expect(
      await value(metrics, "mkl_consensus_missing_votes_total", { validator: "v-a1", type: "prevote" }),
    ).toBe(0);
  });

  it("counts proposals made and missed by the proposer schedule of a block's certificate round", async () => {
    const { metrics, figures } = make();
    const block = { header: { height: 7n }, txs: [], commit: { round: 2 } } as unknown as Block;
    figures.blockCommitted(block);
    const set = new ValidatorSet(ids.map((id) => ({ id, power: 1n })));
    const [r0, r1, r2] = [0, 1, 2].map((r) => proposer(set, 7, r));
    expect(
      await value(metrics, "mkl_consensus_proposals_total", { validator: `v-${r0}`, result: "missed" }),
    ).toBe(1);
    expect(
      await value(metrics, "mkl_consensus_proposals_total", { validator: `v-${r1}`, result: "missed" }),
    ).toBe(1);
    expect(
      await value(metrics, "mkl_consensus_proposals_total", { validator: `v-${r2}`, result: "made" }),
    ).toBe(1);
    expect(await value(metrics, "mkl_consensus_round_changes_total")).toBe(2);
    const rounds = (await metrics.registry.getMetricsAsJSON()).find(
      (m) => m.name === "mkl_consensus_rounds_per_height",
    );
    expect(
      rounds?.values.find((v) => (v as { metricName?: string }).metricName?.endsWith("_sum"))?.value,
    ).toBe(3);
  });
});
