import { describe, expect, it } from "vitest";
import { getSuite } from "../../crypto/index.js";
import { toHex } from "../../ledger/bytes.js";
import { decode, encode } from "../../ledger/codec.js";
import { signedVoteCodec } from "../../ledger/signed-vote.js";
import { makeOrgCa, makeRoot } from "../../pki/hierarchy.test-util.js";
import { toPem } from "../../pki/pem.js";
import { userCodeOf } from "../../pki/user-code.js";
import { operationCodec } from "./index.js";
import { OPERATION_KINDS, OperationInputError, parseOperationInput } from "./input.js";

const suite = getSuite("ed25519");
const code = userCodeOf(suite.hash, suite.generateKeyPair().publicKey.bytes);
const root = makeRoot("ed25519");
const ca = toPem("CERTIFICATE", makeOrgCa(root, "org2").cert.der);
const vote = toHex(
  encode(signedVoteCodec, {
    voteType: 1,
    height: 5n,
    round: 0,
    blockHash: new Uint8Array(32),
    timestampMs: 0n,
    validator: suite.generateKeyPair().publicKey.bytes,
    signature: new Uint8Array(64),
  }),
);
const step = { idempotencyKey: "k", orderId: "7", reason: "shipped" };

/** One valid JSON value per kind: a new operation without an example fails the first test. */
const EXAMPLES: Record<string, object> = {
  transfer: { to: "11".repeat(20), amountFen: "5" },
  registerIdentity: { certificate: ca },
  revokeCertificate: { code, reason: "keyCompromise" },
  rotateKey: { code, certificate: ca },
  proposeGovernance: {
    proposalId: "p-1",
    actions: [
      {
        kind: "changeValidators",
        value: { changes: [{ name: "n5", publicKey: "22".repeat(32), power: 10 }] },
      },
      {
        kind: "admitOrganisation",
        value: { id: "org2", name: "Org 2", caCertificate: ca, tlsCaCertificate: null },
      },
      { kind: "removeOrganisation", value: { id: "org9" } },
      { kind: "removeObserver", value: { publicKey: "23".repeat(32) } },
    ],
  },
  approveProposal: { proposalId: "p-1" },
  reportDoubleSign: { first: vote, second: vote },
  importBatch: {
    idempotencyKey: "k",
    products: [{ sku: "A-1", name: "A", priceFen: "100", stock: 3, channels: ["online"] }],
    marketers: [{ code, teamLead: null }],
  },
  setRoyaltyPolicy: { idempotencyKey: "k", policyId: "p", scopeKind: "enterprise", rules: { baseBps: 800 } },
  depositEscrow: { idempotencyKey: "k", amountFen: "1000" },
  createReferralCode: { idempotencyKey: "k", enterprise: "org1", sku: "A-1" },
  createOrder: {
    idempotencyKey: "k",
    enterprise: "org1",
    channel: "online",
    lines: [{ sku: "A-1", quantity: 2, referralCode: "RC0123456789AB" }],
    buyerCommitment: "ab".repeat(32),
    buyerCode: code,
  },
  touchReferral: { idempotencyKey: "k", orderId: "7", referralCode: "RC0123456789AB" },
  confirmPayment: { idempotencyKey: "k", orderId: "7", amountReceivedFen: "100" },
  shipOrder: step,
  confirmDelivery: { ...step, reason: "delivered" },
  confirmReceipt: { ...step, reason: "buyer-confirmed" },
  cancelOrder: { ...step, reason: "customer-request" },
  refundOrder: { idempotencyKey: "k", orderId: "7", amountFen: "50", reason: "damaged" },
  requestWithdrawal: { idempotencyKey: "k", enterprise: "org1", amountFen: "50" },
  decideWithdrawal: {
    idempotencyKey: "k",
    enterprise: "org1",
    withdrawalId: 0,
    paid: true,
    externalReference: "BANK-1",
  },
  authorisePaymentService: { idempotencyKey: "k", code, authorised: true },
  setPayoutOptions: { idempotencyKey: "k", instantPayout: true },
};

describe("operation input schemas", () => {
  it("cover every operation of the chain, and what they parse encodes and decodes to itself", () => {
    expect(Object.keys(EXAMPLES).sort()).toEqual([...OPERATION_KINDS].sort());
    for (const kind of OPERATION_KINDS) {
      const op = parseOperationInput(kind, EXAMPLES[kind]);
      expect(op.kind).toBe(kind);
      expect(decode(operationCodec, encode(operationCodec, op))).toEqual(op);
    }
  });

  it("fill the chain's neutral defaults", () => {
    const policy = parseOperationInput("setRoyaltyPolicy", EXAMPLES.setRoyaltyPolicy);
    expect(policy.value).toMatchObject({
      scopeValue: "",
      rules: {
        baseBps: 800,
        fixedPerUnitFen: 0n,
        tiers: [],
        channelBps: [],
        periodDays: 30,
        teamLeadShareBps: 0,
      },
    });
    expect(policy.kind === "setRoyaltyPolicy" && policy.value.rules.capPerOrderFen).toBeUndefined();
  });

  it("refuse what the chain would refuse, naming every field", () => {
    const fails = (kind: string, value: unknown) => {
      try {
        parseOperationInput(kind, value);
      } catch (error) {
        expect(error).toBeInstanceOf(OperationInputError);
        return (error as OperationInputError).message;
      }
      throw new Error(`${kind} accepted ${JSON.stringify(value)}`);
    };
    expect(fails("shipOrder", { ...step, reason: "because" })).toMatch(/reason: /);
    expect(fails("depositEscrow", { idempotencyKey: "k", amountFen: "0" })).toMatch(
      /amountFen: must be positive/,
    );
    expect(fails("depositEscrow", { idempotencyKey: "k", amountFen: "18446744073709551616" })).toMatch(
      /2\^64/,
    );
    expect(fails("depositEscrow", { idempotencyKey: "k", amountFen: 0.5 })).toMatch(/amountFen/);
    expect(
      fails("setRoyaltyPolicy", { ...EXAMPLES.setRoyaltyPolicy, rules: { baseBps: 1, bonus: 2 } }),
    ).toMatch(/rules: Unrecognized key/);
    // Change the last character (the key is random, so it may already be the replacement).
    const broken = `${code.slice(0, -1)}${code.endsWith("x") ? "y" : "x"}`;
    expect(fails("revokeCertificate", { code: broken, reason: "keyCompromise" })).toMatch(
      /code: .* not a valid user code/,
    );
    expect(fails("importBatch", { idempotencyKey: "k" })).toMatch(/at least one row/);
    expect(fails("importBatch", { ...EXAMPLES.importBatch, marketers: [{ code, teamLead: code }] })).toMatch(
      /own team lead/,
    );
    expect(fails("createOrder", { ...EXAMPLES.createOrder, buyerCommitment: "ab" })).toMatch(/32 bytes/);
    expect(fails("registerIdentity", { certificate: "-----BEGIN NOTHING-----" })).toMatch(
      /certificate: not a PEM/,
    );
    expect(fails("transfer", { kind: "other", to: "11".repeat(20), amountFen: "1" })).toMatch(
      /Unrecognized key/,
    );
    expect(fails("mint", {})).toMatch(/unknown operation/);
  });
});
