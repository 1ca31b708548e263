import { describe, expect, it } from "vitest";
import { MarketChain, plainRules, productRow } from "../app/marketing/testkit.test-util.js";
import type { Operation } from "../app/operations/index.js";
import { OperationInputError, parseOperationInput } from "../app/operations/input.js";
import { encodeUserCode } from "../pki/user-code.js";
import { buildSignedTx } from "./transactions.js";

/**
 * R6 for every operation: what the chain refuses without looking at its state (a zero amount, an
 * empty basket, a bad import row, a key with a space), the SDK refuses before signing and the
 * JSON input before converting, with the code the chain gives. Each case is executed for real on
 * the chain (a dry run), so a rule the chain drops or changes fails here.
 */

const chain = new MarketChain();
const envelope = { chainId: "marketing-test", nonce: 0n, expiryHeight: 10n };
const lead = chain.actor("lead").code;

interface Case {
  readonly name: string;
  readonly signer: string;
  readonly op: Operation;
  readonly code: string;
  /** What the JSON input says (its own words per field, or the chain's code). */
  readonly jsonSays: RegExp;
  /** The JSON form, where converting the value would not give it (user codes are typed in JSON). */
  readonly json?: unknown;
}

const step = { idempotencyKey: "s-1", orderId: 1n, reason: "shipped" } as const;
const order = (lines: Array<{ sku: string; quantity: number }>): Operation => ({
  kind: "createOrder",
  value: {
    idempotencyKey: "o-1",
    enterprise: "org1",
    channel: "online",
    lines: lines.map((l) => ({ ...l, referralCode: undefined })),
    buyerCommitment: new Uint8Array(32),
    buyerCode: undefined,
  },
});

const CASES: Case[] = [
  {
    name: "a deposit of 0 fen",
    signer: "enterprise",
    op: { kind: "depositEscrow", value: { idempotencyKey: "d-1", amountFen: 0n, reference: "" } },
    code: "INVALID_AMOUNT",
    jsonSays: /amountFen: must be positive/,
  },
  {
    name: "a basket without lines",
    signer: "zhao",
    op: order([]),
    code: "ORDER_EMPTY",
    jsonSays: /lines: Too small/,
  },
  {
    name: "a basket naming one SKU twice",
    signer: "zhao",
    op: order([
      { sku: "TEA", quantity: 1 },
      { sku: "TEA", quantity: 2 },
    ]),
    code: "ORDER_SKU_REPEATED",
    jsonSays: /ORDER_SKU_REPEATED/,
  },
  {
    name: "a line for 0 units",
    signer: "zhao",
    op: order([{ sku: "TEA", quantity: 0 }]),
    code: "QUANTITY_INVALID",
    jsonSays: /lines\.0\.quantity: at least 1/,
  },
  {
    name: "an import without rows",
    signer: "enterprise",
    op: { kind: "importBatch", value: { idempotencyKey: "i-1", products: [], marketers: [] } },
    code: "IMPORT_EMPTY",
    jsonSays: /an import has at least one row/,
  },
  {
    name: "an import row priced at 0 fen",
    signer: "enterprise",
    op: {
      kind: "importBatch",
      value: { idempotencyKey: "i-2", products: [productRow("TEA", { priceFen: 0n })], marketers: [] },
    },
    code: "IMPORT_ROW_INVALID",
    jsonSays: /products\.0\.priceFen: must be positive/,
  },
  {
    name: "an import row repeating a SKU",
    signer: "enterprise",
    op: {
      kind: "importBatch",
      value: { idempotencyKey: "i-3", products: [productRow("TEA"), productRow("TEA")], marketers: [] },
    },
    code: "IMPORT_ROW_INVALID",
    jsonSays: /IMPORT_ROW_INVALID: product row 2: SKU TEA repeated/,
  },
  {
    name: "a marketer who leads themself",
    signer: "enterprise",
    op: {
      kind: "importBatch",
      value: {
        idempotencyKey: "i-4",
        products: [],
        marketers: [{ code: lead, teamLead: lead, active: true }],
      },
    },
    code: "IMPORT_ROW_INVALID",
    jsonSays: /marketers\.0: a marketer cannot be their own team lead/,
    json: {
      idempotencyKey: "i-4",
      marketers: [{ code: encodeUserCode(lead), teamLead: encodeUserCode(lead) }],
    },
  },
  {
    name: "a payment of 0 fen received",
    signer: "enterprise",
    op: { kind: "confirmPayment", value: { idempotencyKey: "p-1", orderId: 1n, amountReceivedFen: 0n } },
    code: "INVALID_AMOUNT",
    jsonSays: /amountReceivedFen: must be positive/,
  },
  {
    name: "a withdrawal of 0 fen",
    signer: "li",
    op: { kind: "requestWithdrawal", value: { idempotencyKey: "w-1", enterprise: "org1", amountFen: 0n } },
    code: "INVALID_AMOUNT",
    jsonSays: /amountFen: must be positive/,
  },
  {
    name: "a paid withdrawal without the payment's reference",
    signer: "enterprise",
    op: {
      kind: "decideWithdrawal",
      value: {
        idempotencyKey: "w-2",
        enterprise: "org1",
        withdrawalId: 1,
        paid: true,
        externalReference: " ",
      },
    },
    code: "EXTERNAL_REFERENCE_REQUIRED",
    jsonSays: /EXTERNAL_REFERENCE_REQUIRED/,
  },
  {
    name: "a policy paying over 100%",
    signer: "enterprise",
    op: {
      kind: "setRoyaltyPolicy",
      value: {
        idempotencyKey: "r-1",
        policyId: "std",
        scopeKind: "enterprise",
        scopeValue: "",
        rules: plainRules({ baseBps: 10_001 }),
      },
    },
    code: "POLICY_INVALID",
    jsonSays: /rules\.baseBps: at most 10000 bps/,
  },
  {
    name: "an empty idempotency key",
    signer: "enterprise",
    op: { kind: "shipOrder", value: { ...step, idempotencyKey: "" } },
    code: "IDEMPOTENCY_KEY_REQUIRED",
    jsonSays: /idempotencyKey: an idempotency key/,
  },
  {
    name: "an idempotency key with a space",
    signer: "enterprise",
    op: { kind: "shipOrder", value: { ...step, idempotencyKey: "order 1" } },
    code: "IDEMPOTENCY_KEY_INVALID",
    jsonSays: /idempotencyKey: an idempotency key/,
  },
  {
    name: "an idempotency key in Chinese",
    signer: "enterprise",
    op: { kind: "shipOrder", value: { ...step, idempotencyKey: "订单1" } },
    code: "IDEMPOTENCY_KEY_INVALID",
    jsonSays: /idempotencyKey: an idempotency key/,
  },
  {
    name: "a transfer of 0 fen",
    signer: "enterprise",
    op: { kind: "transfer", value: { to: chain.actor("li").address, amountFen: 0n, memo: "" } },
    code: "INVALID_AMOUNT",
    jsonSays: /INVALID_AMOUNT: amount must be positive/,
  },
];

/** The JSON a client would send: fen as decimal strings, bytes as hex, user codes typed. */
function jsonOf(op: Operation): unknown {
  return JSON.parse(
    JSON.stringify(op.value, (_k, v: unknown) => {
      if (typeof v === "bigint") return v.toString();
      if (v instanceof Uint8Array) return Buffer.from(v).toString("hex");
      return v;
    }),
  );
}

describe("R6: the SDK and the JSON input make the chain's stateless checks, for every operation", () => {
  it.each(CASES)("$name: the chain refuses it with $code", ({ signer, op, code }) => {
    expect(chain.dryRun(signer, op).code).toBe(code);
  });

  it.each(CASES)("$name: the SDK refuses it before signing, naming $code", ({ signer, op, code }) => {
    let refusal: unknown;
    try {
      buildSignedTx(chain.suite, chain.actor(signer).keys, envelope, op);
    } catch (e) {
      refusal = e;
    }
    expect(refusal).toBeInstanceOf(OperationInputError);
    const issues = (refusal as OperationInputError).details.issues as string[];
    // The policy is reported field by field by the schema the node's check applies.
    if (code === "POLICY_INVALID") expect(issues[0]).toMatch(/^rules\.baseBps: /);
    else expect(issues).toEqual([expect.stringMatching(new RegExp(`^${code}: `))]);
  });

  it.each(CASES)("$name: the JSON input refuses it, saying why", ({ op, json, jsonSays }) => {
    expect(() => parseOperationInput(op.kind, json ?? jsonOf(op))).toThrow(OperationInputError);
    expect(() => parseOperationInput(op.kind, json ?? jsonOf(op))).toThrow(jsonSays);
  });

  it("signs a well-formed operation of each kind it checks", () => {
    const good: Operation[] = [
      { kind: "depositEscrow", value: { idempotencyKey: "ok-1", amountFen: 1n, reference: "" } },
      order([{ sku: "TEA", quantity: 1 }]),
      { kind: "shipOrder", value: { ...step, idempotencyKey: "ORDER-1:ship/2026-12-01" } },
    ];
    for (const op of good) {
      expect(() => buildSignedTx(chain.suite, chain.actor("enterprise").keys, envelope, op)).not.toThrow();
    }
  });
});
