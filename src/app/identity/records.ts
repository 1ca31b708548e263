import { keyBytes } from "../../ledger/bytes.js";
import {
  bool,
  bytes,
  type Codec,
  type CodecType,
  decode,
  encode,
  fixedBytes,
  oneOf,
  optional,
  string,
  struct,
  u32,
  u64,
} from "../../ledger/codec.js";
import { REVOCATION_REASON_NAMES } from "../../pki/crl.js";
import { ROLES } from "../../pki/roles.js";
import { USER_CODE_BYTES } from "../../pki/user-code.js";
import { ADDRESS_BYTES } from "../address.js";
import type { StateOverlay, StateReader } from "../state.js";

/**
 * The identity registry's state: organisations, identities by user code, an index from key
 * (address) to code, and per-organisation revocation lists. No personal data: a user is a
 * code, a role, an organisation, a status, an account and a certificate whose CN is the code.
 */

export const MAX_CERT_BYTES = 4096;
const text = new TextEncoder();
const key = (...parts: (string | Uint8Array)[]) => keyBytes(parts);

export const pkiRootCodec = struct({
  /** The chain's suite: a member certificate's key must be on it to sign transactions. */
  suite: string(32),
  rootCertificate: optional(bytes(MAX_CERT_BYTES)),
  tlsRootCertificate: optional(bytes(MAX_CERT_BYTES)),
});
export type PkiRoot = CodecType<typeof pkiRootCodec>;

export const organisationCodec = struct({
  id: string(32),
  name: string(128),
  caCertificate: bytes(MAX_CERT_BYTES),
  tlsCaCertificate: optional(bytes(MAX_CERT_BYTES)),
  registeredHeight: u64,
});
export type OrganisationRecord = CodecType<typeof organisationCodec>;

export const IDENTITY_STATUSES = ["active", "revoked"] as const;
export type IdentityStatus = (typeof IDENTITY_STATUSES)[number];

export const identityCodec = struct({
  code: fixedBytes(USER_CODE_BYTES),
  role: oneOf(ROLES, string(32)),
  /** "" for an identity of the consortium itself (genesis validators without an organisation). */
  organisation: string(32),
  status: oneOf(IDENTITY_STATUSES, string(16)),
  /** The current key; its address is the settlement account. */
  publicKey: bytes(128),
  settlementAccount: fixedBytes(ADDRESS_BYTES),
  certificate: optional(bytes(MAX_CERT_BYTES)),
  certificateSerial: string(40),
  certificateNotAfterMs: optional(u64),
  registeredHeight: u64,
  keyVersion: u32,
});
export type IdentityRecord = CodecType<typeof identityCodec>;

/** Every key an identity ever used points to it; only the current one may sign. */
export const keyIndexCodec = struct({ code: fixedBytes(USER_CODE_BYTES), current: bool });
export type KeyIndexEntry = CodecType<typeof keyIndexCodec>;

export const revocationCodec = struct({
  serialHex: string(40),
  code: optional(fixedBytes(USER_CODE_BYTES)),
  reason: oneOf(REVOCATION_REASON_NAMES, string(32)),
  revokedAtMs: u64,
  height: u64,
});
export type RevocationRecord = CodecType<typeof revocationCodec>;

const ROOT_KEY = key("id/root");
const ORG_LIST_KEY = key("id/orgs");
const orgKey = (id: string) => key("id/org/", id);
/** Set when governance removed an organisation; its record stays for history, its id is never reused. */
export const ORG_REMOVED_KEY_PREFIX = key("id/org-removed/");
const orgRemovedKey = (id: string) => key(ORG_REMOVED_KEY_PREFIX, id);
/** Identities live under this prefix, so a scan of the state finds them all (expiry reports). */
export const IDENTITY_KEY_PREFIX = key("id/code/");
const identityKey = (code: Uint8Array) => key("id/code/", code);
const keyIndexKey = (address: Uint8Array) => key("id/key/", address);
const revokedSerialKey = (org: string, serialHex: string) => key("id/revoked/", org, "/", serialHex);
const revocationCountKey = (org: string) => key("id/crl-count/", org);
const revocationAtKey = (org: string, index: number) => key("id/crl/", org, "/", String(index));

const orgListCodec = struct({ ids: bytes(64 * 1024) });
const countCodec = struct({ count: u32 });

function read<T>(state: StateReader, k: Uint8Array, codec: Codec<T>): T | undefined {
  const value = state.get(k);
  return value === undefined ? undefined : decode(codec, value);
}

/**
 * Records decoded from the very value bytes they came from. A block reads committed state once
 * per key (ReadOnce) and gives out the same bytes on every read, so a sender's identity and key
 * index are decoded once per block, not once per transaction (a tenth of a transfer's execution).
 * Decoding is a pure function of the bytes and the record is frozen: sharing it changes nothing.
 */
function readShared<T extends object>(
  state: StateReader,
  k: Uint8Array,
  codec: Codec<T>,
  decoded: WeakMap<Uint8Array, T>,
): T | undefined {
  const value = state.get(k);
  if (value === undefined) return undefined;
  let record = decoded.get(value);
  if (record === undefined) {
    record = Object.freeze(decode(codec, value));
    decoded.set(value, record);
  }
  return record;
}

const decodedIdentities = new WeakMap<Uint8Array, IdentityRecord>();
const decodedKeyIndex = new WeakMap<Uint8Array, KeyIndexEntry>();

export function readPkiRoot(state: StateReader): PkiRoot {
  return (
    read(state, ROOT_KEY, pkiRootCodec) ?? {
      suite: "",
      rootCertificate: undefined,
      tlsRootCertificate: undefined,
    }
  );
}

export function writePkiRoot(state: StateOverlay, root: PkiRoot): void {
  state.set(ROOT_KEY, encode(pkiRootCodec, root));
}

export function readOrganisation(state: StateReader, id: string): OrganisationRecord | undefined {
  return read(state, orgKey(id), organisationCodec);
}

/** Organisation ids in registration order (newline-separated in one value: few organisations). */
export function listOrganisationIds(state: StateReader): string[] {
  const list = read(state, ORG_LIST_KEY, orgListCodec);
  if (!list || list.ids.length === 0) return [];
  return new TextDecoder().decode(list.ids).split("\n");
}

/** The one encoding of the id list that listOrganisationIds reads. */
function writeOrganisationIds(state: StateOverlay, ids: readonly string[]): void {
  state.set(ORG_LIST_KEY, encode(orgListCodec, { ids: text.encode(ids.join("\n")) }));
}

export function writeOrganisation(state: StateOverlay, org: OrganisationRecord): void {
  if (readOrganisation(state, org.id) === undefined) {
    writeOrganisationIds(state, [...listOrganisationIds(state), org.id]);
  }
  state.set(orgKey(org.id), encode(organisationCodec, org));
}

/** Takes an organisation out of the consortium: it no longer votes, signs or admits members. */
export function removeOrganisation(state: StateOverlay, id: string, height: bigint): void {
  writeOrganisationIds(
    state,
    listOrganisationIds(state).filter((other) => other !== id),
  );
  state.set(orgRemovedKey(id), encode(u64, height));
}

export function isOrganisationRemoved(state: StateReader, id: string): boolean {
  return state.get(orgRemovedKey(id)) !== undefined;
}

export function readIdentity(state: StateReader, code: Uint8Array): IdentityRecord | undefined {
  return readShared(state, identityKey(code), identityCodec, decodedIdentities);
}

export function writeIdentity(state: StateOverlay, identity: IdentityRecord): void {
  state.set(identityKey(identity.code), encode(identityCodec, identity));
}

export function readKeyIndex(state: StateReader, address: Uint8Array): KeyIndexEntry | undefined {
  return readShared(state, keyIndexKey(address), keyIndexCodec, decodedKeyIndex);
}

export function writeKeyIndex(state: StateOverlay, address: Uint8Array, entry: KeyIndexEntry): void {
  state.set(keyIndexKey(address), encode(keyIndexCodec, entry));
}

export function isSerialRevoked(state: StateReader, org: string, serialHex: string): boolean {
  return state.get(revokedSerialKey(org, serialHex)) !== undefined;
}

/** Appends to an organisation's revocation list (the source of its CRL). */
export function appendRevocation(state: StateOverlay, org: string, entry: RevocationRecord): void {
  const count = read(state, revocationCountKey(org), countCodec)?.count ?? 0;
  state.set(revocationAtKey(org, count), encode(revocationCodec, entry));
  state.set(revocationCountKey(org), encode(countCodec, { count: count + 1 }));
  state.set(revokedSerialKey(org, entry.serialHex), Uint8Array.of(1));
}

export function readRevocations(state: StateReader, org: string): RevocationRecord[] {
  const count = read(state, revocationCountKey(org), countCodec)?.count ?? 0;
  const out: RevocationRecord[] = [];
  for (let i = 0; i < count; i++) {
    const entry = read(state, revocationAtKey(org, i), revocationCodec);
    if (entry) out.push(entry);
  }
  return out;
}
