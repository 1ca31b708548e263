import { base64ToBytes, bytesToBase64 } from "../crypto/bytes.js";
import { PkiError } from "./errors.js";

/** PEM armour (RFC 7468) for the objects we issue: certificates, CSRs and CRLs. */
export type PemLabel = "CERTIFICATE" | "CERTIFICATE REQUEST" | "X509 CRL" | "PUBLIC KEY";

export function toPem(label: PemLabel, der: Uint8Array): string {
  const b64 = bytesToBase64(der);
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/** Every block with `label`, in order (a chain file holds several certificates). */
export function allFromPem(pem: string, label: PemLabel): Uint8Array[] {
  const re = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]*)-----END ${label}-----`, "g");
  return [...pem.matchAll(re)].map((m) => {
    try {
      return base64ToBytes((m[1] ?? "").replace(/\s+/g, ""));
    } catch {
      throw new PkiError("PEM_INVALID", `a "${label}" PEM block is not valid base64`, { label });
    }
  });
}

export function fromPem(pem: string, label: PemLabel): Uint8Array {
  const [first] = allFromPem(pem, label);
  if (first === undefined || first.length === 0) {
    throw new PkiError("PEM_INVALID", `no "${label}" PEM block found`, { label });
  }
  return first;
}

/** DER bytes from PEM text or raw DER. */
export function derOf(input: string | Uint8Array, label: PemLabel): Uint8Array {
  return typeof input === "string" ? fromPem(input, label) : input;
}
