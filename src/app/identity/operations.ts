import { bytesEqual } from "../../ledger/bytes.js";
import { bytes, type CodecType, fixedBytes, oneOf, optional, string, struct } from "../../ledger/codec.js";
import { REVOCATION_REASON_NAMES } from "../../pki/crl.js";
import { isOrgId, isRole } from "../../pki/roles.js";
import { encodeUserCode, USER_CODE_BYTES } from "../../pki/user-code.js";
import { moveFunds, readAccount } from "../accounts.js";
import { addressHex, addressOf } from "../address.js";
import { appEvent } from "../events.js";
import type { OperationHandler, TxContext } from "../operation.js";
import { verifyMemberCertificate, verifyOrganisationCa } from "./certificates.js";
import { IdentityError } from "./errors.js";
import { mayManage } from "./grants.js";
import {
  appendRevocation,
  type IdentityRecord,
  MAX_CERT_BYTES,
  readIdentity,
  readKeyIndex,
  readOrganisation,
  writeIdentity,
  writeKeyIndex,
  writeOrganisation,
} from "./records.js";
import { createIdentity } from "./register.js";
import { activeSigner, isExpired, type Signer } from "./signer.js";

/**
 * Identity operations, tags 101..103 (100 is retired: organisations join by governance, see
 * governance/actions.ts). Who may sign each is in permissions.ts.
 */

const certificateBytes = bytes(MAX_CERT_BYTES);
const userCode = fixedBytes(USER_CODE_BYTES);

/** An organisation and its CAs, as governance's admitOrganisation action carries it. */
export const organisationCodec = struct({
  id: string(32),
  name: string(128),
  caCertificate: certificateBytes,
  tlsCaCertificate: optional(certificateBytes),
});
export type OrganisationAdmission = CodecType<typeof organisationCodec>;

export const registerIdentityCodec = struct({ certificate: certificateBytes });
export type RegisterIdentity = CodecType<typeof registerIdentityCodec>;

// The reason is a closed list (RFC 5280's CRL reasons that apply): another does not decode.
export const revokeCertificateCodec = struct({
  code: userCode,
  reason: oneOf(REVOCATION_REASON_NAMES, string(32)),
});
export type RevokeCertificate = CodecType<typeof revokeCertificateCodec>;

export const rotateKeyCodec = struct({ code: userCode, certificate: certificateBytes });
export type RotateKey = CodecType<typeof rotateKeyCodec>;

function signerOf(ctx: TxContext): Signer {
  return activeSigner(ctx.state, ctx.timeMs, ctx.sender);
}

function targetOf(ctx: TxContext, code: Uint8Array): IdentityRecord & { role: string } {
  const target = readIdentity(ctx.state, code);
  if (!target) {
    throw new IdentityError("IDENTITY_UNKNOWN", `no identity ${encodeUserCode(code)}`, {
      code: encodeUserCode(code),
    });
  }
  return target;
}

function requireManage(signer: Signer, role: string, organisation: string): void {
  if (!isRole(role) || !mayManage(signer.role, signer.organisation, role, organisation)) {
    throw new IdentityError(
      "ROLE_NOT_PERMITTED",
      `a ${signer.role} of "${signer.organisation}" may not manage a ${role} of "${organisation}"`,
      { role, organisation },
    );
  }
}

/** What an organisation's admission needs before any state is read. */
export function checkOrganisationValue(op: OrganisationAdmission): void {
  if (!isOrgId(op.id)) throw new IdentityError("ORG_INVALID_ID", `bad organisation id "${op.id}"`);
  if (op.name.length === 0) throw new IdentityError("ORG_INVALID_NAME", "an organisation needs a name");
}

/**
 * Admits an organisation and its CA (checked against the consortium roots), once governance
 * approved it. An id is never reused, not even one governance removed: its old members must
 * not come back with it.
 */
export function admitOrganisation(ctx: TxContext, op: OrganisationAdmission): void {
  if (readOrganisation(ctx.state, op.id)) {
    throw new IdentityError("ORG_EXISTS", `organisation "${op.id}" already exists or existed`, { id: op.id });
  }
  verifyOrganisationCa(ctx.state, op.id, op.caCertificate, op.tlsCaCertificate, ctx.timeMs);
  writeOrganisation(ctx.state, { ...op, registeredHeight: ctx.height });
  ctx.emit(appEvent("organisationRegistered", { id: op.id, name: op.name }));
}

export const registerIdentityOperation: OperationHandler<RegisterIdentity> = {
  tag: 101,
  codec: registerIdentityCodec,
  execute(ctx, op) {
    const signer = signerOf(ctx);
    const member = verifyMemberCertificate(ctx.state, op.certificate, ctx.timeMs);
    requireManage(signer, member.role, member.organisation);
    const identity = createIdentity(ctx.state, ctx.hash, {
      publicKey: member.cert.publicKey.bytes,
      role: member.role,
      organisation: member.organisation,
      member,
      height: ctx.height,
    });
    ctx.emit(
      appEvent("identityRegistered", {
        code: encodeUserCode(identity.code),
        role: identity.role,
        organisation: identity.organisation,
        settlementAccount: addressHex(identity.settlementAccount),
      }),
    );
  },
};

export const revokeCertificateOperation: OperationHandler<RevokeCertificate> = {
  tag: 102,
  codec: revokeCertificateCodec,
  execute(ctx, op) {
    const signer = signerOf(ctx);
    const target = targetOf(ctx, op.code);
    requireManage(signer, target.role, target.organisation);
    if (target.status === "revoked") {
      throw new IdentityError("IDENTITY_REVOKED", `${encodeUserCode(op.code)} is already revoked`);
    }
    writeIdentity(ctx.state, { ...target, status: "revoked" });
    if (target.certificateSerial !== "" && target.organisation !== "") {
      appendRevocation(ctx.state, target.organisation, {
        serialHex: target.certificateSerial,
        code: target.code,
        reason: op.reason,
        revokedAtMs: ctx.timeMs,
        height: ctx.height,
      });
    }
    ctx.emit(
      appEvent("certificateRevoked", {
        code: encodeUserCode(op.code),
        serial: target.certificateSerial,
        reason: op.reason,
      }),
    );
  },
};

/**
 * A new key and certificate for an identity; the code stays. Signed by the identity itself (even
 * with an expired certificate: that is how a certificate is renewed) or
 * by an admin who manages it (which also reinstates a revoked identity under its new key). The
 * old certificate is listed as superseded and the balance follows the key to its new account.
 */
export const rotateKeyOperation: OperationHandler<RotateKey> = {
  tag: 103,
  codec: rotateKeyCodec,
  execute(ctx, op) {
    const signer = activeSigner(ctx.state, ctx.timeMs, ctx.sender, { allowExpired: true });
    const target = targetOf(ctx, op.code);
    const self = bytesEqual(signer.code, target.code);
    if (!self) {
      // Only renewing one's own certificate works with an expired one.
      if (isExpired(signer, ctx.timeMs)) activeSigner(ctx.state, ctx.timeMs, ctx.sender);
      requireManage(signer, target.role, target.organisation);
    }
    const member = verifyMemberCertificate(ctx.state, op.certificate, ctx.timeMs);
    const code = encodeUserCode(target.code);
    if (
      member.cert.subject.commonName !== code ||
      member.organisation !== target.organisation ||
      member.role !== target.role
    ) {
      throw new IdentityError(
        "CERT_CODE_MISMATCH",
        `the new certificate must name ${code}, its role and organisation`,
        { code },
      );
    }
    const newAddress = addressOf(ctx.hash, member.cert.publicKey.bytes);
    if (readKeyIndex(ctx.state, newAddress))
      throw new IdentityError("KEY_IN_USE", "this key already belongs to an identity");
    const oldAddress = target.settlementAccount;
    writeKeyIndex(ctx.state, oldAddress, { code: target.code, current: false });
    writeKeyIndex(ctx.state, newAddress, { code: target.code, current: true });
    if (target.certificateSerial !== "" && target.status === "active") {
      appendRevocation(ctx.state, target.organisation, {
        serialHex: target.certificateSerial,
        code: target.code,
        reason: "superseded",
        revokedAtMs: ctx.timeMs,
        height: ctx.height,
      });
    }
    writeIdentity(ctx.state, {
      ...target,
      status: "active",
      publicKey: member.cert.publicKey.bytes,
      settlementAccount: newAddress,
      certificate: member.cert.der,
      certificateSerial: member.cert.serialHex,
      certificateNotAfterMs: member.cert.notAfterMs,
      keyVersion: target.keyVersion + 1,
    });
    const balance = readAccount(ctx.state, oldAddress).balanceFen;
    if (balance > 0n) moveFunds(ctx.state, oldAddress, newAddress, balance);
    ctx.emit(
      appEvent("keyRotated", {
        code,
        settlementAccount: addressHex(newAddress),
        keyVersion: target.keyVersion + 1,
      }),
    );
  },
};
