import { isRole, type Role } from "../../pki/roles.js";
import { encodeUserCode } from "../../pki/user-code.js";
import { addressHex } from "../address.js";
import type { StateReader } from "../state.js";
import { IdentityError } from "./errors.js";
import { type IdentityRecord, isOrganisationRemoved, readIdentity, readKeyIndex } from "./records.js";

/** An identity record whose role has been checked to be one we know. */
export type Signer = IdentityRecord & { readonly role: Role };

export function isExpired(identity: IdentityRecord, timeMs: bigint): boolean {
  return identity.certificateNotAfterMs !== undefined && timeMs > identity.certificateNotAfterMs;
}

/**
 * The sender's identity if it may sign anything at all at `timeMs`. With `allowExpired`, an
 * expired certificate still signs (only its own renewal: rotateKey checks it is the signer's).
 */
export function activeSigner(
  state: StateReader,
  timeMs: bigint,
  sender: Uint8Array,
  opts: { allowExpired?: boolean } = {},
): Signer {
  const entry = readKeyIndex(state, sender);
  const identity = entry && readIdentity(state, entry.code);
  if (!entry || !identity) {
    throw new IdentityError("IDENTITY_UNKNOWN", "no identity on the chain has the signing key", {
      sender: addressHex(sender),
    });
  }
  // The Bech32 user code is only for the refusal's words: made when one is thrown, not on every
  // transaction of every block.
  const code = () => encodeUserCode(identity.code);
  if (!entry.current) {
    throw new IdentityError("KEY_RETIRED", `the key was rotated away by ${code()}`, { code: code() });
  }
  if (identity.status !== "active") {
    throw new IdentityError("IDENTITY_REVOKED", `the certificate of ${code()} is revoked`, { code: code() });
  }
  if (identity.organisation !== "" && isOrganisationRemoved(state, identity.organisation)) {
    throw new IdentityError(
      "ORG_REMOVED",
      `${code()} belongs to "${identity.organisation}", which governance removed`,
      { code: code(), organisation: identity.organisation },
    );
  }
  if (!opts.allowExpired && isExpired(identity, timeMs)) {
    throw new IdentityError("CERT_EXPIRED", `the certificate of ${code()} has expired`, {
      code: code(),
      notAfterMs: String(identity.certificateNotAfterMs),
    });
  }
  if (!isRole(identity.role)) {
    throw new IdentityError("ROLE_UNKNOWN", `unknown role ${identity.role}`, {
      code: code(),
      role: identity.role,
    });
  }
  return identity;
}
