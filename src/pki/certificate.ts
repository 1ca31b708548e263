import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import {
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  GeneralName,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  Name,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
  TBSCertificate,
  Validity,
  Version,
} from "@peculiar/asn1-x509";
import { bytesToHex, getSuite } from "../crypto/index.js";
import type { PrivateKey, PublicKey } from "../crypto/suite.js";
import { PkiError } from "./errors.js";
import { buildName, readName, type SubjectName } from "./name.js";
import { OID } from "./oids.js";
import { derOf } from "./pem.js";
import { publicKeyOfSpki, signatureAlgorithm, signTbs, spkiOf, verifyTbs } from "./signature.js";

/**
 * X.509 v3 certificates of the consortium: root CA -> organisation CAs -> node and user
 * certificates. Pure: serial numbers and validity come from the caller (no clock, no randomness
 * here beyond what the signature scheme itself needs).
 */

export type CertificateProfile = "root-ca" | "org-ca" | "node" | "user";

export interface IssueParams {
  readonly profile: CertificateProfile;
  readonly subject: SubjectName;
  readonly subjectPublicKey: PublicKey;
  /** Positive, at most 20 bytes, first byte in 0x01..0x7f (DER INTEGER, no padding). */
  readonly serial: Uint8Array;
  readonly notBeforeMs: bigint;
  readonly notAfterMs: bigint;
  /** The issuing CA; omit for a self-signed root (signed by `issuerKey` for `subjectPublicKey`). */
  readonly issuer?: ParsedCertificate;
  readonly issuerKey: PrivateKey;
  /** Node certificates: DNS names and IP addresses. */
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
}

export interface ParsedCertificate {
  readonly der: Uint8Array;
  readonly serialHex: string;
  readonly subject: SubjectName;
  readonly issuer: SubjectName;
  readonly subjectDer: Uint8Array;
  readonly issuerDer: Uint8Array;
  readonly notBeforeMs: bigint;
  readonly notAfterMs: bigint;
  readonly publicKey: PublicKey;
  readonly isCa: boolean;
  readonly pathLength: number | undefined;
  readonly keyUsage: number;
  readonly subjectKeyId: Uint8Array | undefined;
  readonly authorityKeyId: Uint8Array | undefined;
  /** Raw pieces for signature checks. */
  readonly tbs: Uint8Array;
  readonly signature: Uint8Array;
  readonly cert: Certificate;
}

const KEY_ID_BYTES = 20;

/** Subject key identifier: the first 20 bytes of the suite hash of the public key bytes. */
export function keyIdOf(publicKey: PublicKey): Uint8Array {
  return getSuite(publicKey.suite).hash(publicKey.bytes).slice(0, KEY_ID_BYTES);
}

function ext(extnID: string, critical: boolean, value: unknown): Extension {
  return new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

function keyUsageOf(profile: CertificateProfile): number {
  switch (profile) {
    case "root-ca":
      return KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign;
    case "org-ca":
      return KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign | KeyUsageFlags.digitalSignature;
    case "node":
      return KeyUsageFlags.digitalSignature;
    case "user":
      return KeyUsageFlags.digitalSignature | KeyUsageFlags.nonRepudiation;
  }
}

function extensionsOf(params: IssueParams, authorityKeyId: Uint8Array): Extensions {
  const { profile } = params;
  const ca = profile === "root-ca" || profile === "org-ca";
  const constraints = ca
    ? new BasicConstraints({ cA: true, ...(profile === "org-ca" ? { pathLenConstraint: 0 } : {}) })
    : new BasicConstraints({ cA: false });
  const list = [
    ext(OID.basicConstraints, true, constraints),
    ext(OID.keyUsage, true, new KeyUsage(keyUsageOf(profile))),
    ext(OID.subjectKeyIdentifier, false, new SubjectKeyIdentifier(keyIdOf(params.subjectPublicKey))),
    ext(
      OID.authorityKeyIdentifier,
      false,
      new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(authorityKeyId) }),
    ),
  ];
  if (profile === "node") {
    list.push(ext(OID.extKeyUsage, false, new ExtendedKeyUsage([OID.serverAuth, OID.clientAuth])));
    const names = [
      ...(params.dnsNames ?? []).map((dNSName) => new GeneralName({ dNSName })),
      ...(params.ipAddresses ?? []).map((iPAddress) => new GeneralName({ iPAddress })),
    ];
    if (names.length === 0) throw new PkiError("CERT_INVALID_REQUEST", "a node certificate needs a SAN");
    list.push(ext(OID.subjectAltName, false, new SubjectAlternativeName(names)));
  }
  if (profile === "user") list.push(ext(OID.extKeyUsage, false, new ExtendedKeyUsage([OID.clientAuth])));
  return new Extensions(list);
}

function checkSerial(serial: Uint8Array): void {
  const first = serial[0] ?? 0;
  if (serial.length === 0 || serial.length > 20 || first === 0 || first >= 0x80) {
    throw new PkiError("CERT_INVALID_REQUEST", "serial must be 1..20 bytes, first byte 0x01..0x7f", {
      serial: bytesToHex(serial),
    });
  }
}

/** X.509 Time holds whole seconds; so must we, or the parsed certificate would disagree. */
function checkValidity(notBeforeMs: bigint, notAfterMs: bigint): void {
  if (
    notBeforeMs % 1000n !== 0n ||
    notAfterMs % 1000n !== 0n ||
    notAfterMs <= notBeforeMs ||
    notBeforeMs < 0n
  ) {
    throw new PkiError("CERT_INVALID_REQUEST", "validity must be whole seconds with notBefore < notAfter", {
      notBeforeMs: String(notBeforeMs),
      notAfterMs: String(notAfterMs),
    });
  }
}

export function issueCertificate(params: IssueParams): ParsedCertificate {
  checkSerial(params.serial);
  checkValidity(params.notBeforeMs, params.notAfterMs);
  const issuerPublic = getSuite(params.issuerKey.suite).publicKeyOf(params.issuerKey);
  if (params.issuer) {
    if (!params.issuer.isCa) throw new PkiError("CERT_ISSUER_NOT_CA", "the issuer certificate is not a CA");
    if (bytesToHex(params.issuer.publicKey.bytes) !== bytesToHex(issuerPublic.bytes)) {
      throw new PkiError("CERT_ISSUER_KEY_MISMATCH", "the issuer key does not match the issuer certificate");
    }
  } else if (bytesToHex(issuerPublic.bytes) !== bytesToHex(params.subjectPublicKey.bytes)) {
    throw new PkiError("CERT_ISSUER_KEY_MISMATCH", "a self-signed certificate is signed by its own key");
  }
  const subject = buildName(params.subject);
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: params.serial.slice().buffer,
    signature: signatureAlgorithm(params.issuerKey.suite),
    issuer: params.issuer ? AsnConvert.parse(params.issuer.subjectDer, Name) : subject,
    validity: new Validity({
      notBefore: new Date(Number(params.notBeforeMs)),
      notAfter: new Date(Number(params.notAfterMs)),
    }),
    subject,
    subjectPublicKeyInfo: spkiOf(params.subjectPublicKey),
    extensions: extensionsOf(params, keyIdOf(issuerPublic)),
  });
  const tbsDer = new Uint8Array(AsnConvert.serialize(tbs));
  const cert = new Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: signatureAlgorithm(params.issuerKey.suite),
    signatureValue: signTbs(params.issuerKey, tbsDer).slice().buffer,
  });
  return parseCertificate(new Uint8Array(AsnConvert.serialize(cert)));
}

function findExtension<T>(cert: Certificate, oid: string, type: new () => T): T | undefined {
  const found = cert.tbsCertificate.extensions?.find((e) => e.extnID === oid);
  return found ? AsnConvert.parse(found.extnValue, type) : undefined;
}

function keyUsageBits(cert: Certificate): number {
  const ku = findExtension(cert, OID.keyUsage, KeyUsage);
  return ku ? ku.toNumber() : 0;
}

/**
 * Parses a certificate (PEM or DER). Does not check its signature or dates: see verifyIssuedBy.
 * Any malformation is CERT_INVALID: the chain parses certificates from transactions, and a
 * hostile one must fail its transaction, never throw something else.
 */
export function parseCertificate(input: string | Uint8Array): ParsedCertificate {
  const der = derOf(input, "CERTIFICATE");
  try {
    return readCertificate(der);
  } catch (e) {
    if (e instanceof PkiError) throw e;
    throw new PkiError(
      "CERT_INVALID",
      `not a certificate we can use: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

function readCertificate(der: Uint8Array): ParsedCertificate {
  const cert = AsnConvert.parse(der, Certificate);
  const tbsCert = cert.tbsCertificate;
  const constraints = findExtension(cert, OID.basicConstraints, BasicConstraints);
  const ski = findExtension(cert, OID.subjectKeyIdentifier, SubjectKeyIdentifier);
  const aki = findExtension(cert, OID.authorityKeyIdentifier, AuthorityKeyIdentifier);
  const notBeforeMs = tbsCert.validity.notBefore.getTime().getTime();
  const notAfterMs = tbsCert.validity.notAfter.getTime().getTime();
  if (!Number.isSafeInteger(notBeforeMs) || !Number.isSafeInteger(notAfterMs))
    throw new Error("bad validity");
  return {
    der: Uint8Array.from(der),
    serialHex: bytesToHex(new Uint8Array(tbsCert.serialNumber)),
    subject: readName(tbsCert.subject),
    issuer: readName(tbsCert.issuer),
    subjectDer: new Uint8Array(AsnConvert.serialize(tbsCert.subject)),
    issuerDer: new Uint8Array(AsnConvert.serialize(tbsCert.issuer)),
    notBeforeMs: BigInt(notBeforeMs),
    notAfterMs: BigInt(notAfterMs),
    publicKey: publicKeyOfSpki(tbsCert.subjectPublicKeyInfo),
    isCa: constraints?.cA === true,
    pathLength: constraints?.pathLenConstraint,
    keyUsage: keyUsageBits(cert),
    subjectKeyId: ski ? new Uint8Array(ski.buffer) : undefined,
    authorityKeyId: aki?.keyIdentifier ? new Uint8Array(aki.keyIdentifier.buffer) : undefined,
    tbs: new Uint8Array(cert.tbsCertificateRaw ?? AsnConvert.serialize(tbsCert)),
    signature: new Uint8Array(cert.signatureValue),
    cert,
  };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * Checks that `cert` was issued by `issuer` and both are valid at `timeMs` (block time, or
 * the caller's clock outside the chain): names chain, the issuer is a CA allowed to sign
 * certificates, and the signature verifies. Throws PkiError with the reason.
 */
export function verifyIssuedBy(cert: ParsedCertificate, issuer: ParsedCertificate, timeMs: bigint): void {
  if (!issuer.isCa || (issuer.keyUsage & KeyUsageFlags.keyCertSign) === 0) {
    throw new PkiError("CERT_ISSUER_NOT_CA", `${issuer.subject.commonName} may not issue certificates`);
  }
  if (!sameBytes(cert.issuerDer, issuer.subjectDer)) {
    throw new PkiError(
      "CERT_WRONG_ISSUER",
      `issued by ${cert.issuer.commonName}, not ${issuer.subject.commonName}`,
    );
  }
  if (!verifyTbs(issuer.publicKey, cert.cert.signatureAlgorithm, cert.tbs, cert.signature)) {
    throw new PkiError("CERT_BAD_SIGNATURE", `the signature of ${cert.subject.commonName} does not verify`, {
      serial: cert.serialHex,
    });
  }
  checkValidAt(issuer, timeMs);
  checkValidAt(cert, timeMs);
}

export function checkValidAt(cert: ParsedCertificate, timeMs: bigint): void {
  if (timeMs < cert.notBeforeMs) {
    throw new PkiError("CERT_NOT_YET_VALID", `certificate ${cert.subject.commonName} is not valid yet`, {
      serial: cert.serialHex,
      notBeforeMs: String(cert.notBeforeMs),
    });
  }
  if (timeMs > cert.notAfterMs) {
    throw new PkiError("CERT_EXPIRED", `certificate ${cert.subject.commonName} has expired`, {
      serial: cert.serialHex,
      notAfterMs: String(cert.notAfterMs),
    });
  }
}

/** A self-signed root: its own issuer, CA, signature verifies under its own key. */
export function verifySelfSigned(root: ParsedCertificate, timeMs: bigint): void {
  verifyIssuedBy(root, root, timeMs);
}
