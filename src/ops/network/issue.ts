import { getSuite } from "../../crypto/index.js";
import type { KeyPair, SuiteId } from "../../crypto/suite.js";
import {
  type CertificateProfile,
  issueCertificate,
  type ParsedCertificate,
  type Role,
  type SubjectName,
  userCodeOf,
} from "../../pki/index.js";

/**
 * Certificates of a generated network, issued in memory. The caller supplies time and serials
 * (the shell's clock and randomness), so a plan is made without reading either itself.
 */

export const DAY_MS = 86_400_000n;
const ROOT_YEARS = 10n;
const ORG_CA_YEARS = 5n;
const YEAR_DAYS = 365n;

export interface Issuer {
  /** The chain's suite: CAs, members and consensus keys. */
  readonly suite: SuiteId;
  /** Start of validity of everything issued (whole seconds). */
  readonly startMs: bigint;
  /** Validity of node and member certificates. */
  readonly days: bigint;
  readonly serial: () => Uint8Array;
}

export interface Ca {
  readonly keys: KeyPair;
  readonly cert: ParsedCertificate;
}

export interface AltNames {
  readonly dnsNames?: string[];
  readonly ipAddresses?: string[];
}

export function issue(
  ctx: Issuer,
  profile: CertificateProfile,
  subject: SubjectName,
  subjectKeys: KeyPair,
  issuer: Ca | undefined,
  altNames: AltNames = {},
): ParsedCertificate {
  const days =
    profile === "root-ca"
      ? ROOT_YEARS * YEAR_DAYS
      : profile === "org-ca"
        ? ORG_CA_YEARS * YEAR_DAYS
        : ctx.days;
  return issueCertificate({
    profile,
    subject,
    subjectPublicKey: subjectKeys.publicKey,
    serial: ctx.serial(),
    notBeforeMs: ctx.startMs,
    notAfterMs: ctx.startMs + days * DAY_MS,
    ...(issuer ? { issuer: issuer.cert } : {}),
    issuerKey: issuer ? issuer.keys.privateKey : subjectKeys.privateKey,
    ...altNames,
  });
}

/** A root CA (no parent) or an organisation CA of `suite`. */
export function newCa(ctx: Issuer, suite: SuiteId, subject: SubjectName, parent: Ca | undefined): Ca {
  const keys = getSuite(suite).generateKeyPair();
  return { keys, cert: issue(ctx, parent ? "org-ca" : "root-ca", subject, keys, parent) };
}

/** A member identity: a key and a certificate whose CN is the user code; `file` names its files. */
export interface MemberPlan {
  readonly file: string;
  readonly code: string;
  readonly role: Role;
  readonly organisation: string;
  readonly keys: KeyPair;
  /** The member's certificate, then its organisation's CA. */
  readonly chain: readonly ParsedCertificate[];
}

export function newMember(
  ctx: Issuer,
  orgCa: Ca,
  organisation: string,
  role: Role,
  file: string,
): MemberPlan {
  const suite = getSuite(ctx.suite);
  const keys = suite.generateKeyPair();
  const code = userCodeOf(suite.hash, keys.publicKey.bytes);
  const subject = { commonName: code, organization: organisation, organizationalUnit: role };
  const cert = issue(ctx, "user", subject, keys, orgCa);
  return { file, code, role, organisation, keys, chain: [cert, orgCa.cert] };
}
