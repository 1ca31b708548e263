import { z } from "zod";
import { getSuite } from "../../crypto/index.js";
import type { SuiteId } from "../../crypto/suite.js";
import { LedgerError } from "../../errors.js";
import { bytesEqual, fromHex } from "../../ledger/bytes.js";
import { fromPem } from "../../pki/pem.js";
import { ORG_ID_PATTERN, ROLES, type Role } from "../../pki/roles.js";
import { addressOf } from "../address.js";
import type { StateOverlay } from "../state.js";
import { verifyMemberCertificate, verifyOrganisationCa, verifyRoot } from "./certificates.js";
import { readKeyIndex, readOrganisation, writeOrganisation, writePkiRoot } from "./records.js";
import { createIdentity } from "./register.js";

/** The identity part of genesis.json: the consortium roots, organisations and first identities. */

const pem = z
  .string()
  .regex(/-----BEGIN CERTIFICATE-----/, "a PEM certificate")
  .transform((s, ctx) => {
    try {
      return fromPem(s, "CERTIFICATE");
    } catch {
      ctx.addIssue({ code: "custom", message: "unreadable PEM certificate" });
      return z.NEVER;
    }
  });
const hexKey = z
  .string()
  .regex(/^([0-9a-f]{2}){32,65}$/, "lowercase hex public key")
  .transform((s) => fromHex(s));
export const orgIdSchema = z
  .string()
  .regex(ORG_ID_PATTERN, "lowercase letters, digits and dashes, at most 32");

export const genesisPkiSchema = z.object({ rootCertificate: pem, tlsRootCertificate: pem.optional() });

export const genesisOrganisationSchema = z.object({
  id: orgIdSchema,
  name: z.string().min(1).max(128),
  caCertificate: pem,
  tlsCaCertificate: pem.optional(),
});

/**
 * An identity that exists from genesis (platform operators, first organisation admins, test
 * accounts). With a certificate, role and organisation must match it; without one, the genesis
 * file alone vouches for the key.
 */
export const genesisIdentitySchema = z
  .object({
    role: z.enum(ROLES),
    organisation: orgIdSchema.optional(),
    publicKey: hexKey.optional(),
    certificate: pem.optional(),
  })
  .refine(
    (e) => e.publicKey !== undefined || e.certificate !== undefined,
    "an identity needs a publicKey or a certificate",
  );

export interface IdentityGenesis {
  readonly suite: SuiteId;
  readonly genesisTimeMs: bigint;
  readonly pki?: z.infer<typeof genesisPkiSchema> | undefined;
  readonly organisations: readonly z.infer<typeof genesisOrganisationSchema>[];
  readonly identities: readonly z.infer<typeof genesisIdentitySchema>[];
  readonly validators: readonly { name: string; publicKey: Uint8Array; organisation?: string | undefined }[];
}

function invalid(message: string, cause?: unknown): LedgerError {
  const reason = cause instanceof LedgerError ? `${cause.code}: ${cause.message}` : "";
  return new LedgerError("GENESIS_INVALID", reason ? `${message} (${reason})` : message, {});
}

function guarded<T>(what: string, run: () => T): T {
  try {
    return run();
  } catch (e) {
    if (e instanceof LedgerError) throw invalid(what, e);
    throw e;
  }
}

/**
 * Writes the identity registry's genesis state. Every validator that is not listed as an
 * identity becomes a node operator, so consensus keys can sign from block 1.
 */
export function writeIdentityGenesis(state: StateOverlay, g: IdentityGenesis): void {
  const hash = getSuite(g.suite).hash;
  const t = g.genesisTimeMs;
  if (g.pki) guarded("root CA", () => verifyRoot(g.pki!.rootCertificate, t));
  if (g.pki?.tlsRootCertificate) guarded("TLS root CA", () => verifyRoot(g.pki!.tlsRootCertificate!, t));
  writePkiRoot(state, {
    suite: g.suite,
    rootCertificate: g.pki?.rootCertificate,
    tlsRootCertificate: g.pki?.tlsRootCertificate,
  });
  for (const org of g.organisations) {
    guarded(`organisation ${org.id}`, () => {
      if (readOrganisation(state, org.id)) throw invalid(`organisation ${org.id} is listed twice`);
      verifyOrganisationCa(state, org.id, org.caCertificate, org.tlsCaCertificate, t);
      writeOrganisation(state, { ...org, tlsCaCertificate: org.tlsCaCertificate, registeredHeight: 0n });
    });
  }
  g.identities.forEach((entry, i) => {
    guarded(`identity ${i}`, () => {
      const member = entry.certificate ? verifyMemberCertificate(state, entry.certificate, t) : undefined;
      const publicKey = member?.cert.publicKey.bytes ?? entry.publicKey;
      if (publicKey === undefined) throw invalid(`identity ${i}: give a certificate or a publicKey`);
      if (
        member &&
        (member.role !== entry.role || (entry.organisation ?? member.organisation) !== member.organisation)
      ) {
        throw invalid(`identity ${i}: role or organisation differ from its certificate`);
      }
      if (entry.publicKey && !bytesEqual(entry.publicKey, publicKey)) {
        throw invalid(`identity ${i}: publicKey differs from its certificate`);
      }
      const organisation = member?.organisation ?? entry.organisation ?? "";
      checkOrganisation(state, organisation);
      getSuite(g.suite).publicKeyFromBytes(publicKey);
      createIdentity(state, hash, {
        publicKey,
        role: entry.role,
        organisation,
        ...(member ? { member } : {}),
        height: 0n,
      });
    });
  });
  for (const v of g.validators) {
    if (readKeyIndex(state, addressOf(hash, v.publicKey))) continue;
    guarded(`validator ${v.name}`, () => {
      const organisation = v.organisation ?? "";
      checkOrganisation(state, organisation);
      createIdentity(state, hash, {
        publicKey: v.publicKey,
        role: "node-operator" satisfies Role,
        organisation,
        height: 0n,
      });
    });
  }
}

function checkOrganisation(state: StateOverlay, organisation: string): void {
  if (organisation !== "" && !readOrganisation(state, organisation)) {
    throw invalid(`organisation "${organisation}" is not in the genesis file`);
  }
}
