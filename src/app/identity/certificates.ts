import {
  type ParsedCertificate,
  parseCertificate,
  verifyIssuedBy,
  verifySelfSigned,
} from "../../pki/certificate.js";
import { PkiError } from "../../pki/errors.js";
import { isRole, type Role } from "../../pki/roles.js";
import type { DetailValue } from "../events.js";
import type { StateReader } from "../state.js";
import { IdentityError } from "./errors.js";
import { isOrganisationRemoved, isSerialRevoked, readOrganisation, readPkiRoot } from "./records.js";

/** The details of an error that have one text form (the ones a result may hash). */
function scalarDetails(details: Readonly<Record<string, unknown>>): Record<string, DetailValue> {
  const out: Record<string, DetailValue> = {};
  for (const [key, value] of Object.entries(details)) {
    if (["string", "number", "bigint", "boolean"].includes(typeof value)) out[key] = value as DetailValue;
  }
  return out;
}

/** Runs a pki check, turning its PkiError into an IdentityError with the same code. */
export function pkiCheck<T>(check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (e instanceof PkiError) throw new IdentityError(e.code, e.message, scalarDetails(e.details));
    throw e;
  }
}

export interface MemberCertificate {
  readonly cert: ParsedCertificate;
  readonly organisation: string;
  readonly role: Role;
}

/**
 * A member's certificate as the chain accepts it at `timeMs`: issued by its organisation's CA
 * (O names the organisation, OU the role), both valid, not a CA, not revoked, and its key on
 * the chain's suite.
 */
export function verifyMemberCertificate(
  state: StateReader,
  der: Uint8Array,
  timeMs: bigint,
): MemberCertificate {
  const cert = pkiCheck(() => parseCertificate(der));
  const organisation = cert.subject.organization ?? "";
  const org = readOrganisation(state, organisation);
  if (!org) {
    throw new IdentityError("ORG_UNKNOWN", `no organisation "${organisation}" on the chain`, {
      organisation,
    });
  }
  if (isOrganisationRemoved(state, organisation)) {
    throw new IdentityError("ORG_REMOVED", `organisation "${organisation}" was removed by governance`, {
      organisation,
    });
  }
  const role = cert.subject.organizationalUnit;
  if (!isRole(role))
    throw new IdentityError("ROLE_UNKNOWN", `unknown role "${role ?? ""}"`, { role: role ?? "" });
  if (cert.isCa) throw new IdentityError("CERT_IS_CA", "a CA certificate cannot be a member's certificate");
  const suite = readPkiRoot(state).suite;
  if (cert.publicKey.suite !== suite) {
    throw new IdentityError(
      "CERT_WRONG_SUITE",
      `the key is ${cert.publicKey.suite}, the chain uses ${suite}`,
    );
  }
  const orgCa = pkiCheck(() => parseCertificate(org.caCertificate));
  pkiCheck(() => verifyIssuedBy(cert, orgCa, timeMs));
  if (isSerialRevoked(state, organisation, cert.serialHex)) {
    throw new IdentityError("CERT_REVOKED", `certificate ${cert.serialHex} is revoked`, {
      serial: cert.serialHex,
    });
  }
  return { cert, organisation, role };
}

/** An organisation CA certificate (and optional TLS CA) checked against the consortium roots. */
export function verifyOrganisationCa(
  state: StateReader,
  id: string,
  caDer: Uint8Array,
  tlsCaDer: Uint8Array | undefined,
  timeMs: bigint,
): void {
  const root = readPkiRoot(state);
  if (!root.rootCertificate)
    throw new IdentityError("ROOT_CA_MISSING", "the chain has no root CA certificate");
  checkCa(root.rootCertificate, caDer, id, timeMs);
  if (tlsCaDer !== undefined) {
    if (!root.tlsRootCertificate) throw new IdentityError("ROOT_CA_MISSING", "the chain has no TLS root CA");
    checkCa(root.tlsRootCertificate, tlsCaDer, id, timeMs);
  }
}

function checkCa(rootDer: Uint8Array, caDer: Uint8Array, id: string, timeMs: bigint): void {
  const root = pkiCheck(() => parseCertificate(rootDer));
  const ca = pkiCheck(() => parseCertificate(caDer));
  if (!ca.isCa) throw new IdentityError("CERT_NOT_CA", "an organisation needs a CA certificate");
  if (ca.subject.organization !== id) {
    throw new IdentityError(
      "CERT_WRONG_ORG",
      `the CA certificate names "${ca.subject.organization ?? ""}", not "${id}"`,
    );
  }
  pkiCheck(() => verifyIssuedBy(ca, root, timeMs));
}

/** The consortium root at genesis: self-signed, a CA, valid at genesis time. */
export function verifyRoot(der: Uint8Array, timeMs: bigint): ParsedCertificate {
  const root = pkiCheck(() => parseCertificate(der));
  pkiCheck(() => verifySelfSigned(root, timeMs));
  return root;
}
