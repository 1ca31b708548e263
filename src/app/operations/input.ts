import { z } from "zod";
import { bytesEqual, fromHex } from "../../ledger/bytes.js";
import { type Codec, decode, U64_MAX } from "../../ledger/codec.js";
import { signedVoteCodec } from "../../ledger/signed-vote.js";
import { REVOCATION_REASONS } from "../../pki/crl.js";
import { derOf } from "../../pki/pem.js";
import { ORG_ID_PATTERN } from "../../pki/roles.js";
import { decodeUserCode } from "../../pki/user-code.js";
import { ADDRESS_BYTES } from "../address.js";
import { MAX_PROPOSAL_ACTIONS } from "../governance/actions.js";
import { PROPOSAL_ID_PATTERN } from "../governance/proposals.js";
import {
  IDEMPOTENCY_KEY_PATTERN,
  MAX_BASKET_LINES,
  MAX_BATCH_ROWS,
  SKU_PATTERN,
} from "../marketing/operations.js";
import { policyRulesSchema, setRoyaltyPolicyValueSchema } from "../marketing/policy-schema.js";
import { REASON_CODES } from "../marketing/records.js";
import { checkStateless } from "./check.js";
import type { Operation, OperationKind } from "./index.js";
import { describeIssues, OperationInputError } from "./input-error.js";

export { describeIssues, OperationInputError };

/**
 * The JSON form of every operation, parsed into the value its codec encodes. One schema per
 * kind, built from the limits the chain itself enforces (codec lengths, reason codes, id
 * patterns), so a client that validates with these refuses what the chain would refuse and
 * says which field is wrong before anything is signed. Amounts are fen as decimal strings (or
 * safe integers), bytes as hex, user codes in their typed form (mkl1...), certificates as PEM.
 */

/** An optional field: absent or null is `undefined`, which the codec's structs encode as absent. */
const maybe = <T extends z.ZodType>(schema: T) => schema.nullish().transform((v) => v ?? undefined);

const byteLength = (s: string) => new TextEncoder().encode(s).length;

export const textField = (maxBytes: number) =>
  z.string().refine((s) => byteLength(s) <= maxBytes, `at most ${maxBytes} bytes of UTF-8`);
const requiredText = (maxBytes: number) => textField(maxBytes).refine((s) => s.length > 0, "is required");

/** A u64 (fen, ids, stock): a decimal string or a safe integer, never a float. */
export const u64Field = z
  .union([z.string().regex(/^(0|[1-9][0-9]{0,19})$/, "a whole number"), z.number().int().nonnegative()])
  .transform((v) => BigInt(v))
  .refine((v) => v <= U64_MAX, "at most 2^64-1");
export const u32Field = z.number().int().min(0).max(0xffff_ffff);

export const userCodeField = z.string().transform((s, ctx) => {
  try {
    return decodeUserCode(s);
  } catch {
    ctx.addIssue({ code: "custom", message: `"${s}" is not a valid user code (mkl1..., a typo?)` });
    return z.NEVER;
  }
});

const hexField = (what: string, exactBytes?: number) =>
  z
    .string()
    .regex(/^([0-9a-fA-F]{2})*$/, `${what} must be hex`)
    .transform((s) => fromHex(s.toLowerCase()))
    .refine((b) => exactBytes === undefined || b.length === exactBytes, `${what} is ${exactBytes} bytes`);

const encodedField = <T>(what: string, codec: Codec<T>) =>
  hexField(what).transform((b, ctx) => {
    try {
      return decode(codec, b);
    } catch (e) {
      ctx.addIssue({ code: "custom", message: `${what}: ${(e as Error).message}` });
      return z.NEVER;
    }
  });

/** A certificate as PEM or as the hex of its DER. */
const certificateField = z.string().transform((s, ctx) => {
  try {
    return /^([0-9a-fA-F]{2})+$/.test(s) ? fromHex(s.toLowerCase()) : derOf(s, "CERTIFICATE");
  } catch (e) {
    ctx.addIssue({ code: "custom", message: `not a PEM certificate: ${(e as Error).message}` });
    return z.NEVER;
  }
});

export const orgIdField = z.string().regex(ORG_ID_PATTERN, "an organisation id (a-z, 0-9, -)");
export const idempotencyKeyField = z
  .string()
  .regex(IDEMPOTENCY_KEY_PATTERN, "an idempotency key is 1..64 printable ASCII characters");
const reasonField = z.enum(REASON_CODES);

export const productInputSchema = z.strictObject({
  sku: z.string().regex(SKU_PATTERN, "a SKU is 1..64 letters, digits, '.', '_' or '-'"),
  name: requiredText(128),
  category: textField(64).default(""),
  priceFen: u64Field.refine((v) => v > 0n, "must be positive"),
  costFen: u64Field.default(0n),
  stock: u64Field,
  channels: z.array(requiredText(32)).min(1).max(16),
  serviceTerms: textField(512).default(""),
  returnWindowDays: z.number().int().min(0).max(365).default(7),
  status: z.enum(["active", "inactive"]).default("active"),
});

export const marketerInputSchema = z
  .strictObject({
    code: userCodeField,
    teamLead: maybe(userCodeField),
    active: z.boolean().default(true),
  })
  .refine(
    (m) => m.teamLead === undefined || !bytesEqual(m.teamLead, m.code),
    "a marketer cannot be their own team lead",
  );

/** Applies the chain's own schema to a value converted from JSON; its issues keep their paths. */
const thenChainSchema =
  <O>(schema: z.ZodType<O>) =>
  (value: unknown, ctx: z.RefinementCtx): O => {
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) {
      ctx.addIssue({ code: "custom", message: issue.message, path: issue.path });
    }
    return z.NEVER;
  };

/**
 * A policy's rules in JSON: fen as strings (or safe integers) become bigint, absent rules take
 * their neutral value, then the chain's own schema (policy-schema.ts) decides what is allowed.
 */
export const policyRulesInputSchema = z
  .strictObject({
    baseBps: z.number(),
    fixedPerUnitFen: u64Field.default(0n),
    tiers: z.array(z.strictObject({ minPeriodVolumeFen: u64Field, bps: z.number() })).default([]),
    channelBps: z.array(z.strictObject({ channel: z.string(), bps: z.number() })).default([]),
    capPerOrderFen: maybe(u64Field),
    capPerMarketerPeriodFen: maybe(u64Field),
    periodDays: z.number().default(30),
    ownPurchaseEarns: z.boolean().default(false),
    teamLeadShareBps: z.number().default(0),
  })
  .transform(thenChainSchema(policyRulesSchema));

const orderStep = z.strictObject({
  idempotencyKey: idempotencyKeyField,
  orderId: u64Field,
  reason: reasonField,
});

const proposalIdField = z.string().regex(PROPOSAL_ID_PATTERN, "lowercase letters, digits, dashes");
const nodeKeyField = hexField("publicKey").refine(
  (b) => b.length === 32 || b.length === 65,
  "32 or 65 bytes",
);

/** A governance action in the form the node's API lists it: `{ kind, value }` (governance/actions.ts). */
const proposalActionInputSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("changeValidators"),
    value: z.strictObject({
      changes: z
        .array(z.strictObject({ name: requiredText(64), publicKey: nodeKeyField, power: u64Field }))
        .min(1),
    }),
  }),
  z.strictObject({
    kind: z.literal("admitOrganisation"),
    value: z.strictObject({
      id: orgIdField,
      name: requiredText(128),
      caCertificate: certificateField,
      tlsCaCertificate: maybe(certificateField),
    }),
  }),
  z.strictObject({ kind: z.literal("removeOrganisation"), value: z.strictObject({ id: orgIdField }) }),
  z.strictObject({
    kind: z.literal("addObserver"),
    value: z.strictObject({ certificate: certificateField }),
  }),
  z.strictObject({ kind: z.literal("removeObserver"), value: z.strictObject({ publicKey: nodeKeyField }) }),
  z.strictObject({
    kind: z.literal("renewNodeCertificate"),
    value: z.strictObject({ certificate: certificateField }),
  }),
]);

/** The schema of each operation kind's JSON value. */
export const OPERATION_INPUT_SCHEMAS = {
  transfer: z.strictObject({
    to: hexField("to", ADDRESS_BYTES),
    amountFen: u64Field,
    memo: textField(256).default(""),
  }),
  registerIdentity: z.strictObject({ certificate: certificateField }),
  revokeCertificate: z.strictObject({
    code: userCodeField,
    reason: z.enum(Object.keys(REVOCATION_REASONS) as [keyof typeof REVOCATION_REASONS]),
  }),
  rotateKey: z.strictObject({ code: userCodeField, certificate: certificateField }),
  proposeGovernance: z.strictObject({
    proposalId: proposalIdField,
    actions: z.array(proposalActionInputSchema).min(1).max(MAX_PROPOSAL_ACTIONS),
  }),
  approveProposal: z.strictObject({ proposalId: proposalIdField }),
  reportDoubleSign: z.strictObject({
    first: encodedField("first", signedVoteCodec),
    second: encodedField("second", signedVoteCodec),
  }),
  importBatch: z
    .strictObject({
      idempotencyKey: idempotencyKeyField,
      products: z.array(productInputSchema).max(MAX_BATCH_ROWS).default([]),
      marketers: z.array(marketerInputSchema).max(MAX_BATCH_ROWS).default([]),
    })
    .refine((b) => b.products.length + b.marketers.length > 0, "an import has at least one row"),
  setRoyaltyPolicy: z
    .strictObject({
      idempotencyKey: idempotencyKeyField,
      policyId: z.string(),
      scopeKind: z.string(),
      scopeValue: z.string().default(""),
      rules: policyRulesInputSchema,
    })
    .transform(thenChainSchema(setRoyaltyPolicyValueSchema)),
  depositEscrow: z.strictObject({
    idempotencyKey: idempotencyKeyField,
    amountFen: u64Field.refine((v) => v > 0n, "must be positive"),
    reference: textField(128).default(""),
  }),
  createReferralCode: z.strictObject({
    idempotencyKey: idempotencyKeyField,
    enterprise: orgIdField,
    sku: requiredText(64),
  }),
  createOrder: z.strictObject({
    idempotencyKey: idempotencyKeyField,
    enterprise: orgIdField,
    channel: requiredText(32),
    lines: z
      .array(
        z.strictObject({
          sku: requiredText(64),
          quantity: u32Field.refine((q) => q > 0, "at least 1"),
          referralCode: maybe(z.string().regex(/^RC[0-9A-F]{12}$/, "RC and 12 hex digits")),
        }),
      )
      .min(1)
      .max(MAX_BASKET_LINES),
    buyerCommitment: hexField("buyerCommitment", 32),
    buyerCode: maybe(userCodeField),
  }),
  touchReferral: z.strictObject({
    idempotencyKey: idempotencyKeyField,
    orderId: u64Field,
    referralCode: z.string().regex(/^RC[0-9A-F]{12}$/, "RC and 12 hex digits"),
  }),
  confirmPayment: z.strictObject({
    idempotencyKey: idempotencyKeyField,
    orderId: u64Field,
    amountReceivedFen: u64Field.refine((v) => v > 0n, "must be positive"),
  }),
  shipOrder: orderStep,
  confirmDelivery: orderStep,
  confirmReceipt: orderStep,
  cancelOrder: orderStep,
  refundOrder: z.strictObject({
    idempotencyKey: idempotencyKeyField,
    orderId: u64Field,
    amountFen: u64Field,
    returnedUnits: u32Field.default(0),
    reason: reasonField,
  }),
  requestWithdrawal: z.strictObject({
    idempotencyKey: idempotencyKeyField,
    enterprise: orgIdField,
    amountFen: u64Field.refine((v) => v > 0n, "must be positive"),
  }),
  decideWithdrawal: z.strictObject({
    idempotencyKey: idempotencyKeyField,
    enterprise: orgIdField,
    withdrawalId: u32Field,
    paid: z.boolean(),
    externalReference: textField(128).default(""),
  }),
  authorisePaymentService: z.strictObject({
    idempotencyKey: idempotencyKeyField,
    code: userCodeField,
    authorised: z.boolean(),
  }),
  setPayoutOptions: z.strictObject({ idempotencyKey: idempotencyKeyField, instantPayout: z.boolean() }),
} satisfies { [K in OperationKind]: z.ZodType<Extract<Operation, { kind: K }>["value"]> };

export const OPERATION_KINDS = Object.keys(OPERATION_INPUT_SCHEMAS) as OperationKind[];

export function isOperationKind(kind: string): kind is OperationKind {
  return Object.hasOwn(OPERATION_INPUT_SCHEMAS, kind);
}

/** A value may name its own kind (`{"kind": "registerIdentity", ...}`, as `mkl network add-org` writes it). */
function withoutKind(kind: string, json: unknown): unknown {
  if (json === null || typeof json !== "object" || !("kind" in json)) return json;
  const { kind: named, ...rest } = json;
  return named === kind ? rest : json;
}

/** The operation of `kind` from its JSON value; any problem is one OperationInputError naming every field. */
export function parseOperationInput(kind: string, json: unknown): Operation {
  if (!isOperationKind(kind)) {
    throw new OperationInputError(kind, [`unknown operation; one of ${OPERATION_KINDS.join(", ")}`]);
  }
  const parsed = OPERATION_INPUT_SCHEMAS[kind].safeParse(withoutKind(kind, json));
  if (!parsed.success) throw new OperationInputError(kind, describeIssues(parsed.error));
  const op = { kind, value: parsed.data } as Operation;
  // The per-field schemas above say what is wrong in the JSON's words; the node's own check
  // then decides, so the JSON input can never accept what the chain's stateless check refuses.
  checkStateless(op);
  return op;
}
