import { Attributes, CertificationRequest, CertificationRequestInfo } from "@peculiar/asn1-csr";
import { AsnConvert } from "@peculiar/asn1-schema";
import { getSuite } from "../crypto/index.js";
import type { PrivateKey, PublicKey } from "../crypto/suite.js";
import { PkiError } from "./errors.js";
import { buildName, readName, type SubjectName } from "./name.js";
import { derOf } from "./pem.js";
import { publicKeyOfSpki, signatureAlgorithm, signTbs, spkiOf, verifyTbs } from "./signature.js";

/**
 * PKCS#10 certificate requests. A user makes a key and a CSR on their own machine; the CSR
 * proves possession of the key (it is signed by it), so the private key never travels.
 */

export interface ParsedCsr {
  readonly der: Uint8Array;
  readonly subject: SubjectName;
  readonly publicKey: PublicKey;
}

export function createCsr(privateKey: PrivateKey, subject: SubjectName): Uint8Array {
  const publicKey = getSuite(privateKey.suite).publicKeyOf(privateKey);
  const info = new CertificationRequestInfo({
    version: 0,
    subject: buildName(subject),
    subjectPKInfo: spkiOf(publicKey),
    attributes: new Attributes(),
  });
  const infoDer = new Uint8Array(AsnConvert.serialize(info));
  const request = new CertificationRequest({
    certificationRequestInfo: info,
    signatureAlgorithm: signatureAlgorithm(privateKey.suite),
    signature: signTbs(privateKey, infoDer).slice().buffer,
  });
  return new Uint8Array(AsnConvert.serialize(request));
}

/** Parses a CSR and checks that it is signed by the key it asks a certificate for. */
export function parseAndVerifyCsr(input: string | Uint8Array): ParsedCsr {
  const der = derOf(input, "CERTIFICATE REQUEST");
  let request: CertificationRequest;
  let publicKey: PublicKey;
  let subject: SubjectName;
  try {
    request = AsnConvert.parse(der, CertificationRequest);
    publicKey = publicKeyOfSpki(request.certificationRequestInfo.subjectPKInfo);
    subject = readName(request.certificationRequestInfo.subject);
  } catch (e) {
    throw new PkiError(
      "CSR_INVALID",
      `not a PKCS#10 request we can use: ${e instanceof Error ? e.message : e}`,
    );
  }
  const info = request.certificationRequestInfo;
  const signed = new Uint8Array(request.certificationRequestInfoRaw ?? AsnConvert.serialize(info));
  if (!verifyTbs(publicKey, request.signatureAlgorithm, signed, new Uint8Array(request.signature))) {
    throw new PkiError("CSR_BAD_SIGNATURE", "the CSR is not signed by the key it contains", {});
  }
  return { der: Uint8Array.from(der), subject, publicKey };
}
