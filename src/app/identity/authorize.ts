import { encodeUserCode } from "../../pki/user-code.js";
import type { StateReader } from "../state.js";
import { IdentityError } from "./errors.js";
import { maySign } from "./permissions.js";
import { activeSigner, type Signer } from "./signer.js";

const RENEWAL_KIND = "rotateKey";

/**
 * Who signed, and may they sign this kind of operation now? Throws IdentityError:
 * IDENTITY_UNKNOWN (no identity has this key), KEY_RETIRED (a key rotated away),
 * IDENTITY_REVOKED, CERT_EXPIRED (at `timeMs`, the block time; a rotateKey may still renew an
 * expired certificate) or ROLE_NOT_PERMITTED.
 */
export function authorizeSender(
  state: StateReader,
  timeMs: bigint,
  sender: Uint8Array,
  kind: string,
): Signer {
  // An expired certificate may still renew itself (rotateKey to a key with a new certificate),
  // or no identity whose certificates all lapsed could ever act again.
  const signer = activeSigner(state, timeMs, sender, { allowExpired: kind === RENEWAL_KIND });
  if (!maySign(signer.role, kind)) {
    throw new IdentityError("ROLE_NOT_PERMITTED", `a ${signer.role} may not sign ${kind}`, {
      role: signer.role,
      kind,
      code: encodeUserCode(signer.code),
    });
  }
  return signer;
}
