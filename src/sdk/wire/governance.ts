import { z } from "zod";
import type { EvidenceRecord } from "../../app/governance/evidence.js";
import type { IdentityView } from "../../app/identity/registry.js";
import { type Assert, decimal, hex, type Json, type Same, userCode } from "./common.js";

/** Who is who on the chain, and who was caught signing twice. */

export const evidenceSchema = z
  .object({
    validator: hex.describe("the equivocating validator's public key"),
    height: decimal,
    round: z.number().int(),
    voteType: z.enum(["prevote", "precommit"]),
    reportedHeight: decimal,
    reporter: z.string(),
  })
  .meta({ id: "Evidence" });
export type EvidenceJson = z.infer<typeof evidenceSchema>;
export const evidenceListSchema = z.object({ evidence: z.array(evidenceSchema) });

export const identitySchema = z
  .object({
    code: userCode,
    role: z.string(),
    organisation: z.string().describe('"" for consortium-level identities'),
    status: z.string(),
    settlementAccount: hex,
    certificateSerial: z.string(),
    certificateNotAfterMs: decimal.nullable().describe("null for genesis identities declared by key alone"),
    keyVersion: z.number().int(),
    registeredHeight: decimal,
    height: decimal.describe("the height this answer was read at"),
  })
  .meta({ id: "Identity" });
export type IdentityJson = z.infer<typeof identitySchema>;

export type _EvidenceMatches = Assert<
  Same<Omit<EvidenceJson, "voteType">, Json<Omit<EvidenceRecord, "voteType">>>
>;
export type _IdentityMatches = Assert<
  Same<
    Omit<IdentityJson, "height" | "certificateNotAfterMs">,
    Json<Omit<IdentityView, "certificateNotAfterMs">>
  >
>;
