import { z } from "zod";
import { U64_MAX } from "../../ledger/codec.js";
import { MarketingError } from "./errors.js";
import type { PolicyRules } from "./policy-rules-codec.js";
import { SCOPE_KINDS } from "./records.js";

/**
 * What a royalty policy may say, as ONE schema over the decoded value (bigint fen, integer
 * bps and days, no floats): the node checks every policy it publishes with it, the SDK checks
 * every policy before signing with it, and the JSON input schema of the CLI and the console
 * converts JSON into the value and then applies it. So a policy the SDK accepts is a policy the
 * chain accepts, field for field, and an unknown field is refused (strict objects) rather than
 * dropped by the encoder. Zod here only compares integers and strings: deterministic.
 */

export const MAX_BPS = 10_000;
export const MAX_PERIOD_DAYS = 366;
export const MAX_RULE_ENTRIES = 16;

const bps = z
  .number()
  .int("a whole number of basis points")
  .min(0, "at least 0 bps")
  .max(MAX_BPS, `at most ${MAX_BPS} bps (100%)`);
const fen = z.bigint().min(0n, "at least 0 fen").max(U64_MAX, "at most 2^64-1 fen");
const utf8Bytes = (s: string) => new TextEncoder().encode(s).length;
const channelName = z
  .string()
  .min(1, "a channel is named")
  .refine((s) => utf8Bytes(s) <= 32, "a channel is at most 32 bytes of UTF-8");

export const policyRulesSchema = z.strictObject({
  baseBps: bps,
  fixedPerUnitFen: fen,
  tiers: z
    .array(z.strictObject({ minPeriodVolumeFen: fen, bps }))
    .max(MAX_RULE_ENTRIES)
    .refine(
      (tiers) => tiers.every((t, i) => i === 0 || t.minPeriodVolumeFen > tiers[i - 1]!.minPeriodVolumeFen),
      "tiers have strictly increasing minimum volumes",
    ),
  channelBps: z
    .array(z.strictObject({ channel: channelName, bps }))
    .max(MAX_RULE_ENTRIES)
    .refine(
      (channels) => new Set(channels.map((c) => c.channel)).size === channels.length,
      "a channel is named once",
    ),
  // No cap is `undefined`: the key may be absent on input and is present in the value.
  capPerOrderFen: fen.optional().transform((v) => v),
  capPerMarketerPeriodFen: fen.optional().transform((v) => v),
  periodDays: z
    .number()
    .int("a whole number of days")
    .min(1, `a period is 1 to ${MAX_PERIOD_DAYS} days`)
    .max(MAX_PERIOD_DAYS, `a period is 1 to ${MAX_PERIOD_DAYS} days`),
  ownPurchaseEarns: z.boolean(),
  teamLeadShareBps: bps,
}) satisfies z.ZodType<PolicyRules>;

export const POLICY_ID_PATTERN = /^[A-Za-z0-9._-]{1,32}$/;

const policyShape = {
  policyId: z.string().regex(POLICY_ID_PATTERN, "a policy id is 1..32 letters, digits, '.', '_' or '-'"),
  scopeKind: z.enum(SCOPE_KINDS),
  scopeValue: z.string().refine((s) => utf8Bytes(s) <= 64, "at most 64 bytes of UTF-8"),
  rules: policyRulesSchema,
};
const scopeNamed: [(p: { scopeKind: string; scopeValue: string }) => boolean, z.core.$ZodCustomParams] = [
  (p) => p.scopeKind === "enterprise" || p.scopeValue.length > 0,
  { message: "a product or category scope names its product or category", path: ["scopeValue"] },
];

/** A policy as published: its id, its scope (a product or category names its value) and its rules. */
export const royaltyPolicySchema = z.strictObject(policyShape).refine(...scopeNamed);

/** The value of a setRoyaltyPolicy operation: the policy and its idempotency key. */
export const setRoyaltyPolicyValueSchema = z
  .strictObject({ idempotencyKey: z.string(), ...policyShape })
  .refine(...scopeNamed);

export type RoyaltyPolicyInput = z.input<typeof royaltyPolicySchema>;

/** The node's check of a policy it is asked to publish: POLICY_INVALID naming the first wrong field. */
export function checkPolicy(value: RoyaltyPolicyInput): void {
  const parsed = royaltyPolicySchema.safeParse(value);
  if (parsed.success) return;
  const first = parsed.error.issues[0]!;
  const field = first.path.join(".") || "policy";
  throw new MarketingError("POLICY_INVALID", `${field}: ${first.message}`, { field });
}
