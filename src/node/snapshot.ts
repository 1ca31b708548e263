import { type Genesis, type GenesisValidator, VALIDATORS_KEY, validatorSetCodec } from "../app/genesis.js";
import type { Suite } from "../crypto/suite.js";
import { LedgerError } from "../errors.js";
import {
  type Block,
  blockHash,
  blockHeaderCodec,
  type CommitCertificate,
  commitCertificateCodec,
  decodeBlock,
} from "../ledger/block.js";
import { bytesEqual, toHex } from "../ledger/bytes.js";
import { bytes, type CodecType, decode, encode, list, string, struct, u64 } from "../ledger/codec.js";
import { verifyCommit } from "../ledger/commit.js";
import { MemoryNodeStore } from "../ledger/state/memory-store.js";
import {
  EMPTY_ROOT,
  isEmptyHash,
  MAX_STATE_KEY_BYTES,
  MAX_STATE_VALUE_BYTES,
} from "../ledger/state/nodes.js";
import { applyBatch, getAt, loadNode } from "../ledger/state/smt.js";
import { validatorSetHash } from "../ledger/validators.js";
import type { ChainStorage } from "../storage/storage.js";

/**
 * A state snapshot: every key and value of the world state at a committed height H, the block
 * of H with its commit certificate, and the validator-set changes from genesis to H, each with
 * the certificate of the block that announced it (its header's nextValidatorSetHash). Trust
 * starts at the genesis file alone: each change is signed by > 2/3 of the set before it, the
 * block of H by > 2/3 of the set after the last change, and the entries must rebuild the state
 * root of H's header. A node restored from it holds block 0 and block H and syncs the rest.
 */
export class SnapshotError extends LedgerError {}

const MAGIC = "marketledger-snapshot/1";
const MAX_ENTRIES = 50_000_000;

const certifiedHeaderCodec = struct({ header: blockHeaderCodec, commit: commitCertificateCodec });
const setChangeCodec = struct({
  /** The block whose header names the new set as the next one; it is signed by the old set. */
  announced: certifiedHeaderCodec,
  validators: validatorSetCodec,
});
const entryCodec = struct({ key: bytes(MAX_STATE_KEY_BYTES), value: bytes(MAX_STATE_VALUE_BYTES) });
export const snapshotCodec = struct({
  magic: string(64),
  chainId: string(64),
  height: u64,
  /** Block H, encoded, with its commit certificate. */
  block: bytes(64 * 1024 * 1024),
  setChanges: list(setChangeCodec, 100_000),
  entries: list(entryCodec, MAX_ENTRIES),
});
export type Snapshot = CodecType<typeof snapshotCodec>;
type Entry = CodecType<typeof entryCodec>;

/** Every leaf of the state tree with this root, in tree order. */
function stateEntries(store: ChainStorage, root: Uint8Array): Entry[] {
  const out: Entry[] = [];
  const nodes = { get: (hash: Uint8Array) => store.getStateNode(hash) };
  const stack: Uint8Array[] = isEmptyHash(root) ? [] : [root];
  while (stack.length > 0) {
    const node = loadNode(nodes, stack.pop() as Uint8Array);
    if (node.kind === "leaf") out.push({ key: node.value.key, value: node.value.value });
    else {
      if (!isEmptyHash(node.value.right)) stack.push(node.value.right);
      if (!isEmptyHash(node.value.left)) stack.push(node.value.left);
    }
  }
  return out;
}

/** The validator set in the state with this root (written at the end of the block that changed it). */
function validatorsAtRoot(store: ChainStorage, suite: Suite, root: Uint8Array): GenesisValidator[] {
  const nodes = { get: (hash: Uint8Array) => store.getStateNode(hash) };
  const value = getAt(nodes, (d) => suite.hash(d), root, VALIDATORS_KEY);
  if (value === undefined) throw new SnapshotError("SNAPSHOT_NO_VALIDATORS", "a state without validators");
  return decode(validatorSetCodec, value);
}

/** Reads the snapshot of committed height `height` from a node's store, and verifies it as a restorer would. */
export function takeSnapshot(
  store: ChainStorage,
  suite: Suite,
  genesis: Genesis,
  height: bigint,
): Uint8Array {
  const head = store.head();
  if (head === undefined || height > head || height < 1n) {
    throw new SnapshotError(
      "SNAPSHOT_NO_HEIGHT",
      `height ${height} is not committed here (this store holds 1 to ${head ?? "nothing"})`,
    );
  }
  const certified = (h: bigint): { bytes: Uint8Array; block: Block; commit: CommitCertificate } => {
    const encoded = store.getBlock(h);
    if (encoded === undefined)
      throw new SnapshotError(
        "SNAPSHOT_NO_HEIGHT",
        `block ${h} is not in this store (itself restored from a snapshot?)`,
      );
    const block = decodeBlock(encoded);
    if (block.commit === undefined && h > 0n)
      throw new SnapshotError("SNAPSHOT_NO_COMMIT", `block ${h} has no commit certificate`);
    return { bytes: encoded, block, commit: block.commit as CommitCertificate };
  };
  const setChanges: Snapshot["setChanges"] = [];
  for (let h = 1n; h < height; h++) {
    const { block, commit } = certified(h);
    if (bytesEqual(block.header.validatorSetHash, block.header.nextValidatorSetHash)) continue;
    const root = store.stateRootAt(h);
    if (root === undefined) throw new SnapshotError("SNAPSHOT_NO_HEIGHT", `no state root at ${h}`);
    setChanges.push({
      announced: { header: block.header, commit },
      validators: validatorsAtRoot(store, suite, root),
    });
  }
  const root = store.stateRootAt(height) ?? EMPTY_ROOT;
  const encoded = encode(snapshotCodec, {
    magic: MAGIC,
    chainId: genesis.chainId,
    height,
    block: certified(height).bytes,
    setChanges,
    entries: stateEntries(store, root),
  });
  verifySnapshot(encoded, suite, genesis);
  return encoded;
}

/** What a verified snapshot restores: block H and the state it certifies, with its tree. */
export interface VerifiedSnapshot {
  readonly height: bigint;
  readonly blockBytes: Uint8Array;
  readonly blockHash: Uint8Array;
  readonly stateRoot: Uint8Array;
  readonly entries: readonly Entry[];
  readonly stateNodes: Map<string, Uint8Array>;
}

function refuse(code: string, message: string): never {
  throw new SnapshotError(code, `snapshot refused: ${message}`);
}

/**
 * Checks a snapshot against the genesis file alone (see the top of this file); throws
 * SnapshotError saying what does not hold. Nothing is written.
 */
export function verifySnapshot(encoded: Uint8Array, suite: Suite, genesis: Genesis): VerifiedSnapshot {
  let snapshot: Snapshot;
  try {
    snapshot = decode(snapshotCodec, encoded);
  } catch (error) {
    if (!(error instanceof LedgerError)) throw error;
    return refuse("SNAPSHOT_MALFORMED", `not a snapshot file (${error.message})`);
  }
  if (snapshot.magic !== MAGIC)
    refuse("SNAPSHOT_MALFORMED", `not a snapshot file (format ${snapshot.magic})`);
  if (snapshot.chainId !== genesis.chainId)
    refuse("SNAPSHOT_OTHER_CHAIN", `it is of chain ${snapshot.chainId}, this node's is ${genesis.chainId}`);
  const hashFn = (d: Uint8Array) => suite.hash(d);
  let validators: GenesisValidator[] = genesis.validators;
  let after = 0n;
  for (const { announced, validators: next } of snapshot.setChanges) {
    const { header, commit } = announced;
    if (header.height <= after || header.height >= snapshot.height)
      refuse("SNAPSHOT_BAD_CERTIFICATE", `validator-set change at height ${header.height} is out of order`);
    const check = verifyCommit(suite, header, commit, validators);
    if (!check.ok)
      refuse("SNAPSHOT_BAD_CERTIFICATE", `the change announced at height ${header.height}: ${check.reason}`);
    if (!bytesEqual(validatorSetHash(hashFn, next), header.nextValidatorSetHash))
      refuse(
        "SNAPSHOT_BAD_CERTIFICATE",
        `the set after height ${header.height} is not the one its header names`,
      );
    validators = next;
    after = header.height;
  }
  let block: Block;
  try {
    block = decodeBlock(snapshot.block);
  } catch (error) {
    if (!(error instanceof LedgerError)) throw error;
    return refuse("SNAPSHOT_MALFORMED", `its block does not decode (${error.message})`);
  }
  const { header, commit } = block;
  if (header.height !== snapshot.height || header.chainId !== genesis.chainId)
    refuse("SNAPSHOT_MALFORMED", `its block is ${header.chainId} ${header.height}, not ${snapshot.height}`);
  if (commit === undefined)
    refuse("SNAPSHOT_BAD_CERTIFICATE", `block ${header.height} carries no certificate`);
  const check = verifyCommit(suite, header, commit, validators);
  if (!check.ok)
    refuse(
      "SNAPSHOT_BAD_CERTIFICATE",
      `block ${header.height} is not signed by > 2/3 of its validators (${check.reason})`,
    );
  const rebuilt = applyBatch(new MemoryNodeStore(), hashFn, EMPTY_ROOT, snapshot.entries);
  if (!bytesEqual(rebuilt.root, header.stateRoot)) {
    refuse(
      "SNAPSHOT_STATE_MISMATCH",
      `its ${snapshot.entries.length} entries hash to state root ${toHex(rebuilt.root).slice(0, 16)}…, block ${header.height} certifies ${toHex(header.stateRoot).slice(0, 16)}…`,
    );
  }
  return {
    height: header.height,
    blockBytes: snapshot.block,
    blockHash: blockHash(suite, header),
    stateRoot: header.stateRoot,
    entries: snapshot.entries,
    stateNodes: rebuilt.newNodes,
  };
}
