import { getSuite } from "../crypto/index.js";
import type { KeyPair, SuiteId } from "../crypto/suite.js";
import { issueCertificate, type ParsedCertificate } from "./certificate.js";

export const T0 = 1_767_225_600_000n; // 2026-01-01T00:00:00Z
export const YEAR_MS = 365n * 24n * 3600n * 1000n;

let serialCounter = 0x10;
export function nextSerial(): Uint8Array {
  serialCounter++;
  return Uint8Array.of(0x01, serialCounter >> 8, serialCounter & 0xff);
}

export interface Ca {
  keys: KeyPair;
  cert: ParsedCertificate;
}

export function makeRoot(suiteId: SuiteId, name = "Test Root CA"): Ca {
  const keys = getSuite(suiteId).generateKeyPair();
  const cert = issueCertificate({
    profile: "root-ca",
    subject: { commonName: name, organization: "MarketLedger consortium" },
    subjectPublicKey: keys.publicKey,
    serial: nextSerial(),
    notBeforeMs: T0,
    notAfterMs: T0 + 10n * YEAR_MS,
    issuerKey: keys.privateKey,
  });
  return { keys, cert };
}

export function makeOrgCa(root: Ca, orgId: string, suiteId: SuiteId = root.keys.publicKey.suite): Ca {
  const keys = getSuite(suiteId).generateKeyPair();
  const cert = issueCertificate({
    profile: "org-ca",
    subject: { commonName: `${orgId} CA`, organization: orgId },
    subjectPublicKey: keys.publicKey,
    serial: nextSerial(),
    notBeforeMs: T0,
    notAfterMs: T0 + 5n * YEAR_MS,
    issuer: root.cert,
    issuerKey: root.keys.privateKey,
  });
  return { keys, cert };
}
