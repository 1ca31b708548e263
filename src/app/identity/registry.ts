import { hasPrefix } from "../../ledger/bytes.js";
import { decode } from "../../ledger/codec.js";
import { parseCertificate } from "../../pki/certificate.js";
import type { RevokedEntry } from "../../pki/crl.js";
import type { Role } from "../../pki/roles.js";
import { decodeUserCode, encodeUserCode } from "../../pki/user-code.js";
import { addressHex } from "../address.js";
import type { StateReader } from "../state.js";
import { IdentityError } from "./errors.js";
import {
  IDENTITY_KEY_PREFIX,
  type IdentityRecord,
  type IdentityStatus,
  identityCodec,
  listOrganisationIds,
  readIdentity,
  readKeyIndex,
  readOrganisation,
  readRevocations,
} from "./records.js";

/**
 * What anyone may learn from a user code: role, organisation, status, settlement account and
 * certificate expiry. Never personal data (there is none on the chain to return).
 */
export interface IdentityView {
  readonly code: string;
  readonly role: Role;
  /** "" for consortium-level identities (genesis validators without an organisation). */
  readonly organisation: string;
  readonly status: IdentityStatus;
  /** Hex address that receives this identity's settlements. */
  readonly settlementAccount: string;
  readonly certificateSerial: string;
  /** Undefined for genesis identities declared by key alone. */
  readonly certificateNotAfterMs: bigint | undefined;
  readonly keyVersion: number;
  readonly registeredHeight: bigint;
}

export function identityView(record: IdentityRecord): IdentityView {
  return {
    code: encodeUserCode(record.code),
    role: record.role,
    organisation: record.organisation,
    status: record.status,
    settlementAccount: addressHex(record.settlementAccount),
    certificateSerial: record.certificateSerial,
    certificateNotAfterMs: record.certificateNotAfterMs,
    keyVersion: record.keyVersion,
    registeredHeight: record.registeredHeight,
  };
}

/** Looks a typed code up; a typo throws USER_CODE_INVALID (the checksum catches it). */
export function lookupIdentity(state: StateReader, code: string): IdentityView | undefined {
  const record = readIdentity(state, decodeUserCode(code));
  return record && identityView(record);
}

/** The identity whose key (current or retired) has this address. */
export function lookupIdentityByAddress(state: StateReader, address: Uint8Array): IdentityView | undefined {
  const entry = readKeyIndex(state, address);
  const record = entry && readIdentity(state, entry.code);
  return record && identityView(record);
}

/** The account to pay a user by code: IDENTITY_UNKNOWN if no identity has it. */
export function payeeAccount(state: StateReader, code: Uint8Array): Uint8Array {
  const record = readIdentity(state, code);
  if (!record) {
    throw new IdentityError("IDENTITY_UNKNOWN", `no identity ${encodeUserCode(code)}`, {
      code: encodeUserCode(code),
    });
  }
  return record.settlementAccount;
}

export interface OrganisationView {
  readonly id: string;
  readonly name: string;
  readonly caCertificate: Uint8Array;
  readonly tlsCaCertificate: Uint8Array | undefined;
  /** When the organisation's CA certificate lapses (and with it every certificate it issued). */
  readonly caNotAfterMs: bigint;
  readonly registeredHeight: bigint;
}

export function listOrganisations(state: StateReader): OrganisationView[] {
  return listOrganisationIds(state).flatMap((id) => {
    const org = readOrganisation(state, id);
    return org ? [{ ...org, caNotAfterMs: parseCertificate(org.caCertificate).notAfterMs }] : [];
  });
}

/**
 * Active identities whose certificate lapses before `beforeMs`, soonest first, from a scan of
 * the state's entries (a node's store can list them): what operations warn about.
 */
export function expiringIdentities(
  entries: Iterable<{ key: Uint8Array; value: Uint8Array }>,
  beforeMs: bigint,
): IdentityView[] {
  const out: IdentityView[] = [];
  for (const { key, value } of entries) {
    if (!hasPrefix(key, IDENTITY_KEY_PREFIX)) continue;
    const record = decode(identityCodec, value);
    const expiry = record.certificateNotAfterMs;
    if (record.status === "active" && expiry !== undefined && expiry < beforeMs)
      out.push(identityView(record));
  }
  return out.sort((a, b) => (a.certificateNotAfterMs! < b.certificateNotAfterMs! ? -1 : 1));
}

/** An organisation's revocations in the form createCrl takes (the organisation CA signs the CRL). */
export function revocationList(state: StateReader, organisation: string): RevokedEntry[] {
  return readRevocations(state, organisation).map((r) => ({
    serialHex: r.serialHex,
    revokedAtMs: r.revokedAtMs,
    reason: r.reason,
  }));
}
