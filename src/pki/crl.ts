import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import {
  AuthorityKeyIdentifier,
  CertificateList,
  CRLNumber,
  CRLReason,
  CRLReasons,
  Extension,
  KeyIdentifier,
  Name,
  RevokedCertificate,
  TBSCertList,
  Time,
  Version,
} from "@peculiar/asn1-x509";
import { bytesToHex, hexToBytes } from "../crypto/index.js";
import type { PrivateKey } from "../crypto/suite.js";
import { keyIdOf, type ParsedCertificate } from "./certificate.js";
import { PkiError } from "./errors.js";
import { OID } from "./oids.js";
import { derOf } from "./pem.js";
import { signatureAlgorithm, signTbs, verifyTbs } from "./signature.js";

/** Why a certificate was revoked (RFC 5280 CRLReason; the names we use on the chain). */
export const REVOCATION_REASONS = {
  unspecified: CRLReasons.unspecified,
  keyCompromise: CRLReasons.keyCompromise,
  affiliationChanged: CRLReasons.affiliationChanged,
  superseded: CRLReasons.superseded,
  cessationOfOperation: CRLReasons.cessationOfOperation,
} as const;
export type RevocationReason = keyof typeof REVOCATION_REASONS;
export const REVOCATION_REASON_NAMES = Object.keys(REVOCATION_REASONS) as RevocationReason[];

export function isRevocationReason(value: unknown): value is RevocationReason {
  return typeof value === "string" && Object.hasOwn(REVOCATION_REASONS, value);
}

export interface RevokedEntry {
  readonly serialHex: string;
  readonly revokedAtMs: bigint;
  readonly reason: RevocationReason;
}

export interface CrlParams {
  readonly issuer: ParsedCertificate;
  readonly issuerKey: PrivateKey;
  readonly entries: readonly RevokedEntry[];
  readonly crlNumber: number;
  readonly thisUpdateMs: bigint;
  readonly nextUpdateMs: bigint;
}

function ext(extnID: string, value: unknown): Extension {
  return new Extension({ extnID, critical: false, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

function seconds(ms: bigint): Date {
  return new Date(Number(ms - (ms % 1000n)));
}

/** An X.509 v2 CRL signed by an organisation CA, entries sorted by serial. */
export function createCrl(params: CrlParams): Uint8Array {
  const entries = [...params.entries].sort((a, b) => (a.serialHex < b.serialHex ? -1 : 1));
  const revoked = entries.map(
    (e) =>
      new RevokedCertificate({
        userCertificate: hexToBytes(e.serialHex).slice().buffer,
        revocationDate: new Time(seconds(e.revokedAtMs)),
        crlEntryExtensions: [ext(OID.crlReason, new CRLReason(REVOCATION_REASONS[e.reason]))],
      }),
  );
  const tbs = new TBSCertList({
    version: Version.v2,
    signature: signatureAlgorithm(params.issuerKey.suite),
    issuer: AsnConvert.parse(params.issuer.subjectDer, Name),
    thisUpdate: new Time(seconds(params.thisUpdateMs)),
    nextUpdate: new Time(seconds(params.nextUpdateMs)),
    ...(revoked.length > 0 ? { revokedCertificates: revoked } : {}),
    crlExtensions: [
      ext(
        OID.authorityKeyIdentifier,
        new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(keyIdOf(params.issuer.publicKey)) }),
      ),
      ext(OID.crlNumber, new CRLNumber(params.crlNumber)),
    ],
  });
  const tbsDer = new Uint8Array(AsnConvert.serialize(tbs));
  const crl = new CertificateList({
    tbsCertList: tbs,
    signatureAlgorithm: signatureAlgorithm(params.issuerKey.suite),
    signature: signTbs(params.issuerKey, tbsDer).slice().buffer,
  });
  return new Uint8Array(AsnConvert.serialize(crl));
}

export interface ParsedCrl {
  readonly serials: readonly string[];
  readonly thisUpdateMs: bigint;
}

/** Parses a CRL and checks its signature against the issuing CA. */
export function parseAndVerifyCrl(input: string | Uint8Array, issuer: ParsedCertificate): ParsedCrl {
  const der = derOf(input, "X509 CRL");
  let crl: CertificateList;
  let parsed: ParsedCrl;
  try {
    crl = AsnConvert.parse(der, CertificateList);
    parsed = {
      serials: (crl.tbsCertList.revokedCertificates ?? []).map((r) =>
        bytesToHex(new Uint8Array(r.userCertificate)),
      ),
      thisUpdateMs: BigInt(crl.tbsCertList.thisUpdate.getTime().getTime()),
    };
  } catch (e) {
    throw new PkiError("CRL_INVALID", `not an X.509 CRL we can use: ${e instanceof Error ? e.message : e}`);
  }
  const tbs = new Uint8Array(crl.tbsCertListRaw ?? AsnConvert.serialize(crl.tbsCertList));
  if (!verifyTbs(issuer.publicKey, crl.signatureAlgorithm, tbs, new Uint8Array(crl.signature))) {
    throw new PkiError("CRL_BAD_SIGNATURE", "the CRL is not signed by this CA");
  }
  return parsed;
}
