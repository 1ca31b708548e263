import { z } from "zod";
import { addressOf } from "../../../app/address.js";
import { IDENTITY_KEY_PREFIX } from "../../../app/identity/records.js";
import {
  expiringIdentities,
  type IdentityView,
  identityView,
  listOrganisations,
  lookupIdentity,
} from "../../../app/identity/registry.js";
import { activeSigner } from "../../../app/identity/signer.js";
import { fromHex } from "../../../ledger/bytes.js";
import { expiringCertificatesSchema, identitySchema } from "../../../sdk/wire/index.js";
import { notFound } from "../errors.js";
import { toJson } from "../json.js";
import { refusals } from "../params.js";
import type { RouteModule } from "./types.js";

/** The most identities one scan for lapsing certificates reads. */
const MAX_IDENTITIES_SCANNED = 100_000;

const identityJson = (identity: IdentityView) => ({
  ...toJson(identity),
  certificateNotAfterMs: identity.certificateNotAfterMs?.toString() ?? null,
});

/** Who a user code names, and whose certificates are about to lapse; never personal data. */
export const identityRoutes: RouteModule = async (app, { node }) => {
  app.get(
    "/v1/identities/:code",
    {
      schema: {
        operationId: "getIdentity",
        tags: ["identities"],
        summary:
          "Look up a user code (mkl1…): role, organisation, status, settlement account, certificate expiry; never personal data",
        params: z.object({ code: z.string().min(1).max(64).describe("a user code (mkl1…)") }),
        response: { 200: identitySchema, ...refusals },
      },
    },
    async (request) => {
      const { code } = request.params;
      const identity = lookupIdentity(node.chain.state, code);
      if (identity === undefined) throw notFound(`identity ${code}`);
      return { ...identityJson(identity), height: node.chain.height.toString() };
    },
  );

  app.get(
    "/v1/signers/:publicKey",
    {
      schema: {
        operationId: "getSigner",
        tags: ["identities"],
        summary:
          "The identity a public key signs for, if it may sign now (at the head block's time): the chain's own checks, refused with their codes (IDENTITY_UNKNOWN, KEY_RETIRED, IDENTITY_REVOKED, ORG_REMOVED, CERT_EXPIRED)",
        params: z.object({
          publicKey: z
            .string()
            .regex(/^([0-9a-f]{2}){32,65}$/, "publicKey must be a public key in lowercase hex")
            .describe("the key's bytes, hex"),
        }),
        response: { 200: identitySchema, ...refusals },
      },
    },
    async (request) => {
      // The checks every transaction's sender passes (app/identity/signer.ts), so the monitor
      // trusts an operator's request exactly as far as the chain would trust their transaction.
      const key = node.suite.publicKeyFromBytes(fromHex(request.params.publicKey));
      const head = node.chain.latestHeader();
      const signer = activeSigner(node.chain.state, head.timeMs, addressOf(node.suite.hash, key.bytes));
      return { ...identityJson(identityView(signer)), height: head.height.toString() };
    },
  );

  app.get(
    "/v1/certificates/expiring",
    {
      schema: {
        operationId: "listExpiringCertificates",
        tags: ["identities"],
        summary: "Organisation CAs and active identities whose certificates lapse before a time",
        querystring: z.object({
          beforeMs: z
            .string()
            .regex(/^(0|[1-9][0-9]{0,15})$/, "beforeMs must be a time in ms since 1970")
            .describe("lapsing before this time (ms since 1970)"),
        }),
        response: { 200: expiringCertificatesSchema, ...refusals },
      },
    },
    async (request) => {
      const before = BigInt(request.query.beforeMs);
      const entries = node.chain.store.stateEntries(IDENTITY_KEY_PREFIX, MAX_IDENTITIES_SCANNED);
      return {
        beforeMs: before.toString(),
        height: node.chain.height.toString(),
        organisations: listOrganisations(node.chain.state)
          .filter((org) => org.caNotAfterMs < before)
          .map((org) => ({ id: org.id, name: org.name, caNotAfterMs: org.caNotAfterMs.toString() })),
        identities: expiringIdentities(entries, before).map(identityJson),
      };
    },
  );
};
