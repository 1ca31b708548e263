import { z } from "zod";
import type { EvidenceRecord } from "../../app/governance/evidence.js";
import type { ProposalView } from "../../app/governance/proposals.js";
import { IDENTITY_STATUSES } from "../../app/identity/records.js";
import type { IdentityView } from "../../app/identity/registry.js";
import { ROLES } from "../../pki/roles.js";
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

const certificateHex = hex.describe("a certificate's DER, in hex");
export const proposalActionSchema = z
  .discriminatedUnion("kind", [
    z.object({
      kind: z.literal("changeValidators"),
      value: z.object({
        changes: z.array(
          z.object({
            name: z.string(),
            publicKey: hex.describe("the validator's consensus public key"),
            power: decimal.describe("0 removes the validator"),
          }),
        ),
      }),
    }),
    z.object({
      kind: z.literal("admitOrganisation"),
      value: z.object({
        id: z.string(),
        name: z.string(),
        caCertificate: certificateHex,
        tlsCaCertificate: certificateHex.optional(),
      }),
    }),
    z.object({ kind: z.literal("removeOrganisation"), value: z.object({ id: z.string() }) }),
    z.object({ kind: z.literal("addObserver"), value: z.object({ certificate: certificateHex }) }),
    z.object({
      kind: z.literal("removeObserver"),
      value: z.object({ publicKey: hex.describe("the observer's consensus public key") }),
    }),
    z.object({ kind: z.literal("renewNodeCertificate"), value: z.object({ certificate: certificateHex }) }),
  ])
  .meta({ id: "ProposalAction" });
export type ProposalActionJson = z.infer<typeof proposalActionSchema>;

export const proposalSchema = z
  .object({
    id: z.string(),
    actions: z.array(proposalActionSchema).describe("what the proposal does, applied in order once approved"),
    proposedHeight: decimal,
    approvals: z.array(z.string()).describe("the organisations that approved, the proposer's included"),
    status: z.enum(["pending", "scheduled"]).describe("scheduled: approved, applies at effectiveHeight"),
    effectiveHeight: decimal.describe(
      'the height it applies from (validator changes two heights after approval, the rest at once); "0" while pending',
    ),
  })
  .meta({ id: "Proposal" });
export type ProposalJson = z.infer<typeof proposalSchema>;
export const proposalListSchema = z
  .object({
    height: decimal.describe("the height this answer was read at"),
    members: z.number().int().describe("member organisations: one vote each"),
    approvalsNeeded: z.number().int().describe("more than 2/3 of the members"),
    proposals: z.array(proposalSchema),
  })
  .meta({ id: "ProposalList" });
export type ProposalListJson = z.infer<typeof proposalListSchema>;

export const chainNodeSchema = z
  .object({
    name: z.string(),
    publicKey: hex.describe("its consensus public key, which is also its p2p id"),
    organisation: z.string().describe('"" where the chain does not know it (a validator added by key alone)'),
    role: z.enum(["validator", "observer"]),
    power: decimal.describe('"0" for an observer'),
    certificateSerial: z.string().nullable().describe("the node certificate governance recorded, if any"),
    certificateNotAfterMs: decimal.nullable(),
    registeredHeight: decimal.nullable(),
  })
  .meta({ id: "ChainNode" });
export type ChainNodeJson = z.infer<typeof chainNodeSchema>;
export const chainNodeListSchema = z
  .object({ height: decimal, nodes: z.array(chainNodeSchema).describe("validators first, then observers") })
  .meta({ id: "ChainNodeList" });
export type ChainNodeListJson = z.infer<typeof chainNodeListSchema>;

const identityViewSchema = z.object({
  code: userCode,
  role: z.enum(ROLES),
  organisation: z.string().describe('"" for consortium-level identities'),
  status: z.enum(IDENTITY_STATUSES),
  settlementAccount: hex,
  certificateSerial: z.string(),
  certificateNotAfterMs: decimal.nullable().describe("null for genesis identities declared by key alone"),
  keyVersion: z.number().int(),
  registeredHeight: decimal,
});
export const identitySchema = identityViewSchema
  .extend({ height: decimal.describe("the height this answer was read at") })
  .meta({ id: "Identity" });
export type IdentityJson = z.infer<typeof identitySchema>;

/** Organisation CAs and active identities whose certificates lapse before a time: what to renew. */
export const expiringCertificatesSchema = z
  .object({
    beforeMs: decimal,
    height: decimal,
    organisations: z.array(z.object({ id: z.string(), name: z.string(), caNotAfterMs: decimal })),
    identities: z.array(identityViewSchema).describe("soonest first"),
  })
  .meta({ id: "ExpiringCertificates" });
export type ExpiringCertificatesJson = z.infer<typeof expiringCertificatesSchema>;

export type _EvidenceMatches = Assert<
  Same<Omit<EvidenceJson, "voteType">, Json<Omit<EvidenceRecord, "voteType">>>
>;
export type _ProposalMatches = Assert<Same<ProposalJson, Json<ProposalView>>>;
export type _IdentityMatches = Assert<
  Same<
    Omit<z.infer<typeof identityViewSchema>, "certificateNotAfterMs">,
    Json<Omit<IdentityView, "certificateNotAfterMs">>
  >
>;
