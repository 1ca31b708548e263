import type { Role } from "../../pki/roles.js";
import { encodeUserCode, userCodeBytesOf } from "../../pki/user-code.js";
import { addressOf } from "../address.js";
import type { StateOverlay } from "../state.js";
import type { MemberCertificate } from "./certificates.js";
import { IdentityError } from "./errors.js";
import { type IdentityRecord, readIdentity, readKeyIndex, writeIdentity, writeKeyIndex } from "./records.js";

export interface NewIdentity {
  readonly publicKey: Uint8Array;
  readonly role: Role;
  readonly organisation: string;
  readonly member?: MemberCertificate;
  readonly height: bigint;
}

/**
 * Writes a new identity and indexes its key. Its user code comes from this first key and never
 * changes; its settlement account is the address of its current key.
 */
export function createIdentity(
  state: StateOverlay,
  hash: (d: Uint8Array) => Uint8Array,
  n: NewIdentity,
): IdentityRecord {
  const code = userCodeBytesOf(hash, n.publicKey);
  const codeText = encodeUserCode(code);
  if (n.member && n.member.cert.subject.commonName !== codeText) {
    throw new IdentityError(
      "CERT_CODE_MISMATCH",
      `the certificate's CN must be the user code ${codeText}, got "${n.member.cert.subject.commonName}"`,
      { code: codeText },
    );
  }
  if (readIdentity(state, code)) {
    throw new IdentityError("IDENTITY_EXISTS", `identity ${codeText} is already registered`, {
      code: codeText,
    });
  }
  const address = addressOf(hash, n.publicKey);
  if (readKeyIndex(state, address)) {
    throw new IdentityError("KEY_IN_USE", "this key already belongs to an identity", { code: codeText });
  }
  const identity: IdentityRecord = {
    code,
    role: n.role,
    organisation: n.organisation,
    status: "active",
    publicKey: n.publicKey,
    settlementAccount: address,
    certificate: n.member?.cert.der,
    certificateSerial: n.member?.cert.serialHex ?? "",
    certificateNotAfterMs: n.member?.cert.notAfterMs,
    registeredHeight: n.height,
    keyVersion: 1,
  };
  writeIdentity(state, identity);
  writeKeyIndex(state, address, { code, current: true });
  return identity;
}
