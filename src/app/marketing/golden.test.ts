// Golden vectors of the marketing encodings: every operation (tags 200..215) and every record
// under mkt/ with its key. A failure means an encoding changed: that is a new protocol version
// (genesis `protocolVersion`), never a fix. PRINT_GOLDEN=1 prints the current bytes.
import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "../../ledger/bytes.js";
import { type Codec, decode, encode, u32 } from "../../ledger/codec.js";
import {
  OPERATIONS as ALL_OPERATIONS,
  type Operation,
  operationCodec,
  RETIRED_OPERATION_TAGS,
} from "../operations/index.js";
import { endBlockEventsCodec, endEventsKey } from "./end-block.js";
import { MARKETING_OPERATIONS } from "./operations.js";
import { dueEntryCodec } from "./orders.js";
import { RULE_KINDS, ruleSetCodec } from "./policy-rules-codec.js";
import {
  amountCodec,
  commissionCodec,
  countCodec,
  earningsCodec,
  escrowCodec,
  idempotencyCodec,
  indexEntryCodec,
  keys,
  marketerCodec,
  orderCodec,
  payableEntryCodec,
  payoutOptionsCodec,
  policyHeadCodec,
  policyRules,
  policyRulesCodec,
  policyVersionCodec,
  productCodec,
  referralCodec,
  salesCodec,
  statementCodec,
  withdrawalCodec,
} from "./records.js";

const code = (byte: number) => new Uint8Array(10).fill(byte);
const h = (byte: number) => new Uint8Array(32).fill(byte);
const li = code(0xa1);
const lead = code(0xa2);
const rules = policyRules({
  baseBps: 1000,
  tiers: [{ minPeriodVolumeFen: 50_000n, bps: 1200 }],
  channelBps: [{ channel: "distributor", bps: 600 }],
  capPerMarketerPeriodFen: 10_000n,
  teamLeadShareBps: 2000,
});
const product = {
  sku: "TEA-100",
  name: "Longjing",
  category: "tea",
  priceFen: 29_800n,
  costFen: 12_000n,
  stock: 100n,
  channels: ["online"],
  serviceTerms: "7-day return",
  returnWindowDays: 7,
  status: "active" as const,
};
const step = { idempotencyKey: "k", orderId: 7n, reason: "shipped" as const };

const PRINT = process.env.PRINT_GOLDEN === "1";
function golden(name: string, actual: Uint8Array, expected: string): void {
  if (PRINT) console.log(`${name}: ${toHex(actual)}`);
  else expect(toHex(actual), name).toBe(expected);
}

const OPERATIONS: Array<[Operation, string]> = [
  [
    {
      kind: "importBatch",
      value: {
        idempotencyKey: "k",
        products: [product],
        marketers: [{ code: li, teamLead: lead, active: true }],
      },
    },
    "00c8000000016b00000001000000075445412d313030000000084c6f6e676a696e670000000374656100000000000074680000000000002ee0000000000000006400000001000000066f6e6c696e650000000c372d6461792072657475726e000000070000000001a1a1a1a1a1a1a1a1a1a101a2a2a2a2a2a2a2a2a2a201",
  ],
  [
    {
      kind: "setRoyaltyPolicy",
      value: {
        idempotencyKey: "k",
        policyId: "tea-launch",
        scopeKind: "product",
        scopeValue: "TEA-100",
        rules,
      },
    },
    "00c9000000016b0000000a7465612d6c61756e636800000000075445412d313030010501000003e80300000001000000000000c350000004b004000000010000000b6469737472696275746f720000025806000000000000271009000007d0",
  ],
  [
    { kind: "depositEscrow", value: { idempotencyKey: "k", amountFen: 20_000n, reference: "FIN-0001" } },
    "00ca000000016b0000000000004e200000000846494e2d30303031",
  ],
  [
    { kind: "createReferralCode", value: { idempotencyKey: "k", enterprise: "org1", sku: "TEA-100" } },
    "00cb000000016b000000046f726731000000075445412d313030",
  ],
  [
    {
      kind: "createOrder",
      value: {
        idempotencyKey: "k",
        enterprise: "org1",
        channel: "online",
        lines: [{ sku: "TEA-100", quantity: 2, referralCode: "RC0123456789AB" }],
        buyerCommitment: h(0x07),
        buyerCode: code(0xb1),
      },
    },
    "00cc000000016b000000046f726731000000066f6e6c696e6500000001000000075445412d31303000000002010000000e5243303132333435363738394142070707070707070707070707070707070707070707070707070707070707070701b1b1b1b1b1b1b1b1b1b1",
  ],
  [
    { kind: "touchReferral", value: { idempotencyKey: "k", orderId: 7n, referralCode: "RC0123456789AB" } },
    "00cd000000016b00000000000000070000000e5243303132333435363738394142",
  ],
  [
    { kind: "confirmPayment", value: { idempotencyKey: "k", orderId: 7n, amountReceivedFen: 59_600n } },
    "00ce000000016b0000000000000007000000000000e8d0",
  ],
  [{ kind: "shipOrder", value: step }, "00cf000000016b000000000000000702"],
  [{ kind: "confirmDelivery", value: { ...step, reason: "delivered" } }, "00d0000000016b000000000000000703"],
  [
    { kind: "confirmReceipt", value: { ...step, reason: "buyer-confirmed" } },
    "00d1000000016b000000000000000704",
  ],
  [
    { kind: "cancelOrder", value: { ...step, reason: "customer-request" } },
    "00d2000000016b000000000000000700",
  ],
  [
    {
      kind: "refundOrder",
      value: { idempotencyKey: "k", orderId: 7n, amountFen: 12_900n, returnedUnits: 1, reason: "damaged" },
    },
    "00d3000000016b000000000000000700000000000032640000000108",
  ],
  [
    { kind: "requestWithdrawal", value: { idempotencyKey: "k", enterprise: "org1", amountFen: 5_000n } },
    "00d4000000016b000000046f7267310000000000001388",
  ],
  [
    {
      kind: "decideWithdrawal",
      value: {
        idempotencyKey: "k",
        enterprise: "org1",
        withdrawalId: 3,
        paid: true,
        externalReference: "BANK-1",
      },
    },
    "00d5000000016b000000046f72673100000003010000000642414e4b2d31",
  ],
  [
    { kind: "authorisePaymentService", value: { idempotencyKey: "k", code: code(0xc1), authorised: true } },
    "00d6000000016bc1c1c1c1c1c1c1c1c1c101",
  ],
  [{ kind: "setPayoutOptions", value: { idempotencyKey: "k", instantPayout: true } }, "00d7000000016b01"],
];

const record = <T>(key: Uint8Array, codec: Codec<T>, value: T) => ({ key, bytes: encode(codec, value) });
const raw = (key: Uint8Array, bytes: Uint8Array) => ({ key, bytes });
const text = (s: string) => new TextEncoder().encode(s);
const order = {
  id: 7n,
  basketId: 7n,
  line: 0,
  lines: 1,
  enterprise: "org1",
  sku: "TEA-100",
  quantity: 2,
  channel: "online",
  listValueFen: 59_600n,
  unitCostFen: 12_000n,
  status: "completed" as const,
  referralCode: "RC0123456789AB",
  marketer: li,
  buyerCommitment: h(0x07),
  buyerCode: code(0xb1),
  selfReferral: false,
  inTierVolume: true,
  receivedFen: 59_600n,
  refundedFen: 0n,
  returnedUnits: 0,
  createdAtMs: 1_767_225_600_000n,
  deliveredAtMs: 1_767_312_000_000n,
  dueAtMs: 1_767_916_800_000n,
  completedAtMs: 1_767_916_800_000n,
  netAtCompletionFen: 59_600n,
  lastReason: "return-window-passed" as const,
};
const part = (payee: Uint8Array, role: "marketer" | "team-lead", grossFen: bigint) => ({
  payee,
  role,
  grossFen,
  clawedBackFen: 0n,
  settledFen: grossFen,
  status: "settled" as const,
});

/** Every kind of record under mkt/, with its key. */
const RECORDS: Record<string, { key: Uint8Array; bytes: Uint8Array }> = {
  product: record(keys.product("org1", "TEA-100"), productCodec, {
    ...product,
    enterprise: "org1",
    reserved: 2n,
    sold: 3n,
  }),
  policyVersion: record(keys.policyVersion("org1", "tea-launch", 1), policyVersionCodec, {
    enterprise: "org1",
    policyId: "tea-launch",
    version: 1,
    scopeKind: "product",
    scopeValue: "TEA-100",
    rules,
  }),
  policyHead: record(keys.policyHead("org1", "tea-launch"), policyHeadCodec, {
    version: 1,
    hash: h(0x33),
    scopeKind: "product",
    scopeValue: "TEA-100",
  }),
  policyScope: raw(keys.policyScope("org1", "product", "TEA-100"), text("tea-launch")),
  marketer: record(keys.marketer("org1", li), marketerCodec, { code: li, teamLead: lead, active: true }),
  paymentService: raw(keys.paymentService("org1", code(0xc1)), Uint8Array.of(1)),
  referral: record(keys.referral("RC0123456789AB"), referralCodec, {
    code: "RC0123456789AB",
    enterprise: "org1",
    sku: "TEA-100",
    marketer: li,
    createdHeight: 12n,
  }),
  referralBy: raw(keys.referralBy("org1", "TEA-100", li), text("RC0123456789AB")),
  orderSeq: record(keys.orderSeq(), countCodec, { n: 8n }),
  order: record(keys.order(7n), orderCodec, order),
  commission: record(keys.commission(7n), commissionCodec, {
    orderId: 7n,
    enterprise: "org1",
    policyId: "tea-launch",
    policyVersion: 1,
    policyHash: h(0x33),
    rateBps: 1000,
    baseFen: 59_600n,
    totalFen: 5_960n,
    note: "rate",
    parts: [part(li, "marketer", 4_768n), part(lead, "team-lead", 1_192n)],
  }),
  escrow: record(keys.escrow("org1"), escrowCodec, {
    balanceFen: 14_040n,
    depositedFen: 20_000n,
    settledFen: 5_960n,
    payableFen: 0n,
    returnedFen: 0n,
    withdrawnFen: 0n,
    withdrawalCount: 1,
    payableHead: 2n,
    payableTail: 2n,
  }),
  payoutOptions: record(keys.payoutOptions("org1"), payoutOptionsCodec, { instantPayout: true }),
  payable: record(keys.payable("org1", 2n), payableEntryCodec, { orderId: 7n, part: 1 }),
  earnings: record(keys.earnings("org1", li), earningsCodec, {
    balanceFen: 4_768n,
    debtFen: 0n,
    payableFen: 0n,
    settledFen: 4_768n,
    clawedBackFen: 0n,
    withdrawnFen: 0n,
    pendingWithdrawalFen: 0n,
    pendingSalesFen: 27_000n,
    referredOrders: 2,
    refundedOrders: 0,
    statementCount: 1,
  }),
  statement: record(keys.statement("org1", li, 0), statementCodec, {
    kind: "settled",
    orderId: 7n,
    amountFen: 4_768n,
    height: 30n,
    timeMs: 1_767_916_800_000n,
    reference: "tea-launch",
  }),
  tierVolume: record(keys.tierVolume("org1", li, 1, 20_461n), amountCodec, { fen: 59_600n }),
  capUsed: record(keys.capUsed("org1", li, "tea-launch", 30, 682n), amountCodec, { fen: 5_960n }),
  sales: record(keys.sales("org1", "channel", "online"), salesCodec, {
    completedOrders: 1,
    units: 2n,
    netReceivedFen: 59_600n,
    refundedFen: 0n,
    commissionFen: 5_960n,
    costFen: 24_000n,
  }),
  anomalies: record(keys.anomalies("org1", "self-referral"), countCodec, { n: 2n }),
  index: record(keys.index("org1", "product", 0n), indexEntryCodec, { s: "TEA-100" }),
  indexCount: record(keys.indexCount("org1", "product"), countCodec, { n: 1n }),
  enterprises: record(keys.enterprises(), countCodec, { n: 1n }),
  withdrawal: record(keys.withdrawal("org1", 0), withdrawalCodec, {
    id: 0,
    enterprise: "org1",
    payee: li,
    amountFen: 4_768n,
    status: "requested",
    origin: "instant-payout",
    orderId: 7n,
    requestedAtMs: 1_767_916_800_000n,
    decidedAtMs: 0n,
    externalReference: "",
  }),
  idempotency: record(keys.idempotency(li, "k"), idempotencyCodec, {
    opHash: h(0x44),
    txHash: h(0x55),
    height: 30n,
    ref: "7",
  }),
  dueSize: record(keys.dueSize(), countCodec, { n: 1n }),
  dueHeap: record(keys.dueHeap(0n), dueEntryCodec, { dueAtMs: 1_767_916_800_000n, orderId: 7n }),
  endEvents: record(endEventsKey(30n), endBlockEventsCodec, {
    height: 30n,
    events: [{ type: "orderCompleted", attributes: [{ key: "orderId", value: "7" }] }],
  }),
};
const EXPECTED_RECORDS: Record<string, string> = {
  "product.key": "6d6b742f70726f647563742f6f7267312f5445412d313030",
  "product.value":
    "000000046f726731000000075445412d313030000000084c6f6e676a696e670000000374656100000000000074680000000000002ee000000000000000640000000000000002000000000000000300000001000000066f6e6c696e650000000c372d6461792072657475726e0000000700",
  "policyVersion.key": "6d6b742f706f6c6963792f6f7267312f7465612d6c61756e63682f31",
  "policyVersion.value":
    "000000046f7267310000000a7465612d6c61756e63680000000100000000075445412d313030010501000003e80300000001000000000000c350000004b004000000010000000b6469737472696275746f720000025806000000000000271009000007d0",
  "policyHead.key": "6d6b742f706f6c6963792d686561642f6f7267312f7465612d6c61756e6368",
  "policyHead.value":
    "00000001333333333333333333333333333333333333333333333333333333333333333300000000075445412d313030",
  "policyScope.key": "6d6b742f706f6c6963792d73636f70652f6f7267312f70726f647563742f5445412d313030",
  "policyScope.value": "7465612d6c61756e6368",
  "marketer.key": "6d6b742f6d61726b657465722f6f7267312f6131613161316131613161316131613161316131",
  "marketer.value": "a1a1a1a1a1a1a1a1a1a101a2a2a2a2a2a2a2a2a2a201",
  "paymentService.key": "6d6b742f70617965722f6f7267312f6331633163316331633163316331633163316331",
  "paymentService.value": "01",
  "referral.key": "6d6b742f7265662f5243303132333435363738394142",
  "referral.value":
    "0000000e5243303132333435363738394142000000046f726731000000075445412d313030a1a1a1a1a1a1a1a1a1a1000000000000000c",
  "referralBy.key":
    "6d6b742f7265662d62792f6f7267312f61316131613161316131613161316131613161312f5445412d313030",
  "referralBy.value": "5243303132333435363738394142",
  "orderSeq.key": "6d6b742f6f726465722d736571",
  "orderSeq.value": "0000000000000008",
  "order.key": "6d6b742f6f726465722f0000000000000007",
  "order.value":
    "000000000000000700000000000000070000000000000001000000046f726731000000075445412d31303000000002000000066f6e6c696e65000000000000e8d00000000000002ee004010000000e524330313233343536373839414201a1a1a1a1a1a1a1a1a1a1070707070707070707070707070707070707070707070707070707070707070701b1b1b1b1b1b1b1b1b1b10001000000000000e8d00000000000000000000000000000019b76daa8000000019b7c0104000000019ba00d88000000019ba00d8800000000000000e8d005",
  "commission.key": "6d6b742f636f6d6d697373696f6e2f0000000000000007",
  "commission.value":
    "0000000000000007000000046f7267310000000a7465612d6c61756e6368000000013333333333333333333333333333333333333333333333333333333333333333000003e8000000000000e8d000000000000017480000000002a1a1a1a1a1a1a1a1a1a10000000000000012a0000000000000000000000000000012a001a2a2a2a2a2a2a2a2a2a20100000000000004a8000000000000000000000000000004a801",
  "escrow.key": "6d6b742f657363726f772f6f726731",
  "escrow.value":
    "00000000000036d80000000000004e2000000000000017480000000000000000000000000000000000000000000000000000000100000000000000020000000000000002",
  "payoutOptions.key": "6d6b742f7061796f75742d6f7074696f6e732f6f726731",
  "payoutOptions.value": "01",
  "payable.key": "6d6b742f70617961626c652f6f7267312f0000000000000002",
  "payable.value": "000000000000000700000001",
  "earnings.key": "6d6b742f6561726e2f6f7267312f6131613161316131613161316131613161316131",
  "earnings.value":
    "00000000000012a00000000000000000000000000000000000000000000012a00000000000000000000000000000000000000000000000000000000000006978000000020000000000000001",
  "statement.key": "6d6b742f73746d742f6f7267312f61316131613161316131613161316131613161312f30",
  "statement.value":
    "00000000000000000700000000000012a0000000000000001e0000019ba00d88000000000a7465612d6c61756e6368",
  "tierVolume.key": "6d6b742f766f6c2f6f7267312f61316131613161316131613161316131613161312f312f3230343631",
  "tierVolume.value": "000000000000e8d0",
  "capUsed.key":
    "6d6b742f6361702f6f7267312f61316131613161316131613161316131613161312f7465612d6c61756e63682f33302f363832",
  "capUsed.value": "0000000000001748",
  "sales.key": "6d6b742f73616c65732f6f7267312f6368616e6e656c2f6f6e6c696e65",
  "sales.value": "000000010000000000000002000000000000e8d0000000000000000000000000000017480000000000005dc0",
  "anomalies.key": "6d6b742f616e6f6d616c6965732f6f7267312f73656c662d726566657272616c",
  "anomalies.value": "0000000000000002",
  "index.key": "6d6b742f6964782f6f7267312f70726f647563742f0000000000000000",
  "index.value": "000000075445412d313030",
  "indexCount.key": "6d6b742f6964782d636f756e742f6f7267312f70726f64756374",
  "indexCount.value": "0000000000000001",
  "enterprises.key": "6d6b742f656e746572707269736573",
  "enterprises.value": "0000000000000001",
  "withdrawal.key": "6d6b742f77642f6f7267312f30",
  "withdrawal.value":
    "00000000000000046f726731a1a1a1a1a1a1a1a1a1a100000000000012a0000100000000000000070000019ba00d8800000000000000000000000000",
  "idempotency.key": "6d6b742f6964656d2f61316131613161316131613161316131613161312f6b",
  "idempotency.value":
    "44444444444444444444444444444444444444444444444444444444444444445555555555555555555555555555555555555555555555555555555555555555000000000000001e0000000137",
  "dueSize.key": "6d6b742f6475652d73697a65",
  "dueSize.value": "0000000000000001",
  "dueHeap.key": "6d6b742f6475652d686561702f0000000000000000",
  "dueHeap.value": "0000019ba00d88000000000000000007",
  "endEvents.key": "6d6b742f656e642d6576656e74732f3330",
  "endEvents.value":
    "000000000000001e000000010000000e6f72646572436f6d706c6574656400000001000000076f7264657249640000000137",
};

describe("golden vectors of the marketing encodings", () => {
  it.each(OPERATIONS)("operation %#: $kind", (op, expected) => {
    golden(op.kind, encode(operationCodec, op), expected);
  });

  it("every marketing operation has a vector, and a retired tag decodes as nothing", () => {
    expect(OPERATIONS.map(([op]) => op.kind).sort()).toEqual(Object.keys(MARKETING_OPERATIONS).sort());
    const tags = Object.values(ALL_OPERATIONS).map((o) => o.tag);
    for (const tag of RETIRED_OPERATION_TAGS) {
      expect(tags).not.toContain(tag);
      const bytes = fromHex(`${tag.toString(16).padStart(4, "0")}000000016b`);
      expect(() => decode(operationCodec, bytes)).toThrow(
        expect.objectContaining({ code: "CODEC_UNKNOWN_TAG" }),
      );
    }
  });

  it("every record under mkt/, key and value", () => {
    for (const [name, { key, bytes }] of Object.entries(RECORDS)) {
      golden(`${name}.key`, key, EXPECTED_RECORDS[`${name}.key`] ?? "");
      golden(`${name}.value`, bytes, EXPECTED_RECORDS[`${name}.value`] ?? "");
    }
  });
});

describe("policy rules: a versioned, tagged encoding", () => {
  it("writes only the rules that differ from neutral, in tag order, after the format byte", () => {
    golden("rules.neutral", encode(policyRulesCodec, policyRules({ baseBps: 0 })), "0100");
    golden("rules.base", encode(policyRulesCodec, policyRules({ baseBps: 800 })), "01010100000320");
  });

  it("adding a rule kind later leaves the bytes and the hash of stored policies as they were", () => {
    const later = ruleSetCodec({
      ...RULE_KINDS,
      recruitBonusBps: { tag: 10, codec: u32, neutral: 0 },
    });
    const stored = encode(policyRulesCodec, rules);
    expect(toHex(encode(later, { ...rules, recruitBonusBps: 0 }))).toBe(toHex(stored));
    // Read back by the later code, a stored policy has the new rule at its neutral value.
    expect(decode(later, stored)).toEqual({ ...rules, recruitBonusBps: 0 });
  });

  it("refuses any other bytes: unknown format or tag, tags out of order or repeated, a neutral clause", () => {
    const bad = (hex: string) => () => decode(policyRulesCodec, fromHex(hex));
    expect(bad("0200")).toThrow(expect.objectContaining({ code: "CODEC_UNKNOWN_TAG" }));
    expect(bad("01010a00000001")).toThrow(expect.objectContaining({ code: "CODEC_UNKNOWN_TAG" }));
    expect(bad("0102090000000101000003e8")).toThrow(expect.objectContaining({ code: "CODEC_NON_CANONICAL" }));
    expect(bad("010201000003e801000003e8")).toThrow(expect.objectContaining({ code: "CODEC_NON_CANONICAL" }));
    expect(bad("01010100000000")).toThrow(expect.objectContaining({ code: "CODEC_NON_CANONICAL" }));
    expect(bad("0101070000001e")).toThrow(expect.objectContaining({ code: "CODEC_NON_CANONICAL" }));
    expect(decode(policyRulesCodec, fromHex("01010100000320"))).toEqual(policyRules({ baseBps: 800 }));
  });
});
