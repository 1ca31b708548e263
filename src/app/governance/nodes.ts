import { hasPrefix, toHex } from "../../ledger/bytes.js";
import { bytes, type CodecType, decode, encode, string, struct, u64 } from "../../ledger/codec.js";
import { addressOf } from "../address.js";
import type { GenesisValidator } from "../genesis.js";
import { type MemberCertificate, verifyMemberCertificate } from "../identity/certificates.js";
import { isOrganisationRemoved, MAX_CERT_BYTES, readIdentity, readKeyIndex } from "../identity/records.js";
import type { StateOverlay, StateReader } from "../state.js";
import { GovernanceError } from "./errors.js";
import { readValidators } from "./validator-set.js";

/**
 * Nodes the consortium registered by governance: an observer (a node that follows the chain and
 * never votes) and the node certificate of any validator or observer, renewed by governance.
 * A node is known by its consensus public key, which is also its p2p id; its certificate is
 * issued by its organisation's CA with CN = its name and OU = node-operator.
 */
export const nodeRecordCodec = struct({
  name: string(64),
  publicKey: bytes(65),
  organisation: string(32),
  certificate: bytes(MAX_CERT_BYTES),
  certificateSerial: string(40),
  certificateNotAfterMs: u64,
  registeredHeight: u64,
});
export type NodeRecord = CodecType<typeof nodeRecordCodec>;

/** The state keys to scan for registered nodes. */
export const NODE_KEY_PREFIX = new TextEncoder().encode("gov/node/");
const nodeKey = (publicKey: Uint8Array) => new TextEncoder().encode(`gov/node/${toHex(publicKey)}`);

export function readNode(state: StateReader, publicKey: Uint8Array): NodeRecord | undefined {
  const value = state.get(nodeKey(publicKey));
  return value === undefined ? undefined : decode(nodeRecordCodec, value);
}

export function writeNode(state: StateOverlay, node: NodeRecord): void {
  state.set(nodeKey(node.publicKey), encode(nodeRecordCodec, node));
}

export function deleteNode(state: StateOverlay, publicKey: Uint8Array): void {
  state.delete(nodeKey(publicKey));
}

/** The registered nodes among state entries (from a scan under NODE_KEY_PREFIX). */
export function listNodes(entries: Iterable<{ key: Uint8Array; value: Uint8Array }>): NodeRecord[] {
  const out: NodeRecord[] = [];
  for (const { key, value } of entries)
    if (hasPrefix(key, NODE_KEY_PREFIX)) out.push(decode(nodeRecordCodec, value));
  return out;
}

/** A node certificate as the chain accepts it at `timeMs`: a member certificate with OU node-operator. */
export function verifyNodeCertificate(
  state: StateReader,
  der: Uint8Array,
  timeMs: bigint,
): MemberCertificate {
  const member = verifyMemberCertificate(state, der, timeMs);
  if (member.role !== "node-operator") {
    throw new GovernanceError(
      "NODE_CERT_NOT_NODE",
      `a node certificate has OU node-operator, not ${member.role}`,
    );
  }
  const name = member.cert.subject.commonName ?? "";
  if (name.length === 0 || name.length > 64) {
    throw new GovernanceError(
      "NODE_CERT_NOT_NODE",
      "a node certificate's CN is the node's name (1-64 characters)",
    );
  }
  return member;
}

/** The record a verified certificate gives a node registered at `height`. */
export function nodeRecordOf(member: MemberCertificate, height: bigint): NodeRecord {
  return {
    name: member.cert.subject.commonName ?? "",
    publicKey: member.cert.publicKey.bytes,
    organisation: member.organisation,
    certificate: member.cert.der,
    certificateSerial: member.cert.serialHex,
    certificateNotAfterMs: member.cert.notAfterMs,
    registeredHeight: height,
  };
}

/**
 * The organisation running a validator, where the chain knows it: its registered node record,
 * else the node-operator identity genesis made of its key. "" when neither exists.
 */
export function validatorOrganisation(
  state: StateReader,
  hash: (data: Uint8Array) => Uint8Array,
  validator: Pick<GenesisValidator, "publicKey">,
): string {
  const node = readNode(state, validator.publicKey);
  if (node !== undefined) return node.organisation;
  const entry = readKeyIndex(state, addressOf(hash, validator.publicKey));
  const identity = entry && readIdentity(state, entry.code);
  return identity?.role === "node-operator" ? identity.organisation : "";
}

/** A node the chain knows: a validator, or an observer registered by governance. */
export interface ChainNode {
  readonly name: string;
  readonly publicKey: Uint8Array;
  readonly organisation: string;
  readonly role: "validator" | "observer";
  readonly power: bigint;
  /** Where governance recorded the node's certificate (always for an observer). */
  readonly certificate: Omit<NodeRecord, "name" | "publicKey" | "organisation"> | undefined;
}

/**
 * Every node the chain knows at this state: the validator set, then the registered nodes that
 * are not validators. Observers of an organisation governance removed are not listed.
 */
export function chainNodes(
  state: StateReader,
  registered: readonly NodeRecord[],
  hash: (data: Uint8Array) => Uint8Array,
): ChainNode[] {
  const byKey = new Map(registered.map((node) => [toHex(node.publicKey), node]));
  const validators: ChainNode[] = readValidators(state).map((v) => {
    const hex = toHex(v.publicKey);
    const record = byKey.get(hex);
    byKey.delete(hex);
    return {
      name: v.name,
      publicKey: v.publicKey,
      organisation: record?.organisation ?? validatorOrganisation(state, hash, v),
      role: "validator",
      power: v.power,
      certificate: record && certificateOf(record),
    };
  });
  const observers: ChainNode[] = [...byKey.values()]
    .filter((node) => !isOrganisationRemoved(state, node.organisation))
    .map((node) => ({
      name: node.name,
      publicKey: node.publicKey,
      organisation: node.organisation,
      role: "observer",
      power: 0n,
      certificate: certificateOf(node),
    }));
  return [...validators, ...observers];
}

function certificateOf({ name: _n, publicKey: _k, organisation: _o, ...rest }: NodeRecord) {
  return rest;
}
