import { type Genesis, type GenesisValidator, VALIDATORS_KEY, validatorSetCodec } from "../app/genesis.js";
import type { Suite } from "../crypto/suite.js";
import { LedgerError } from "../errors.js";
import { type Block, blockHash, type CommitCertificate, decodeBlock } from "../ledger/block.js";
import { bytesEqual, toHex } from "../ledger/bytes.js";
import { decode } from "../ledger/codec.js";
import { verifyCommit } from "../ledger/commit.js";
import { EMPTY_ROOT, isEmptyHash } from "../ledger/state/nodes.js";
import { getAt, loadNode } from "../ledger/state/smt.js";
import { SortedTreeBuilder } from "../ledger/state/sorted-build.js";
import { validatorSetHash } from "../ledger/validators.js";
import type { RestoreBatch } from "../storage/chain-store.js";
import type { ChainStorage } from "../storage/storage.js";
import {
  openSnapshotFile,
  SNAPSHOT_FORMAT,
  type SnapshotEntry,
  SnapshotError,
  type SnapshotHeader,
  writeSnapshotFile,
} from "./snapshot-file.js";

/**
 * A state snapshot: every key and value of the world state at a committed height H, the block
 * of H with its commit certificate, and the validator-set changes from genesis to H, each with
 * the certificate of the block that announced it (its header's nextValidatorSetHash). Trust
 * starts at the genesis file alone: each change is signed by > 2/3 of the set before it, the
 * block of H by > 2/3 of the set after the last change, and the entries must rebuild the state
 * root of H's header. A node restored from it holds block 0 and block H and syncs the rest.
 * Taking, checking and restoring one streams the entries (snapshot-file.ts, sorted-build.ts).
 */
export { SnapshotError };

/** The store's state-tree nodes, as the tree code reads them. */
const treeNodes = (store: ChainStorage) => ({ get: (hash: Uint8Array) => store.getStateNode(hash) });

/** Every leaf of the state tree with this root, in tree order (H(key) order), one at a time. */
function* stateEntries(store: ChainStorage, root: Uint8Array): Generator<SnapshotEntry> {
  const nodes = treeNodes(store);
  const stack: Uint8Array[] = isEmptyHash(root) ? [] : [root];
  while (stack.length > 0) {
    const node = loadNode(nodes, stack.pop() as Uint8Array);
    if (node.kind === "leaf") yield { key: node.value.key, value: node.value.value };
    else {
      if (!isEmptyHash(node.value.right)) stack.push(node.value.right);
      if (!isEmptyHash(node.value.left)) stack.push(node.value.left);
    }
  }
}

/** The validator set in the state with this root (written at the end of the block that changed it). */
function validatorsAtRoot(store: ChainStorage, suite: Suite, root: Uint8Array): GenesisValidator[] {
  const value = getAt(treeNodes(store), (d) => suite.hash(d), root, VALIDATORS_KEY);
  if (value === undefined) throw new SnapshotError("SNAPSHOT_NO_VALIDATORS", "a state without validators");
  return decode(validatorSetCodec, value);
}

/**
 * Writes the snapshot of committed height `height` from a node's store to `path`, streaming
 * its entries from the state tree. verifySnapshot then checks it as a restorer would.
 */
export function takeSnapshot(
  store: ChainStorage,
  suite: Suite,
  genesis: Genesis,
  height: bigint,
  path: string,
): { bytes: number; entries: number } {
  const head = store.head();
  if (head === undefined || height > head || height < 1n) {
    throw new SnapshotError(
      "SNAPSHOT_NO_HEIGHT",
      `height ${height} is not committed here (this store holds 1 to ${head ?? "nothing"})`,
    );
  }
  // The validator sets at earlier heights are read where they changed, whose paths stay pinned.
  const availableFrom = store.stateAvailableFrom();
  if (height < availableFrom) {
    throw new SnapshotError(
      "STATE_PRUNED",
      `the state at height ${height} is pruned on this node; it keeps the state from height ${availableFrom}`,
      { height: height.toString(), oldestAvailable: availableFrom.toString() },
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
  const setChanges: SnapshotHeader["setChanges"] = [];
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
  const header = {
    magic: SNAPSHOT_FORMAT,
    chainId: genesis.chainId,
    height,
    block: certified(height).bytes,
    setChanges,
  };
  return writeSnapshotFile(path, header, stateEntries(store, store.stateRootAt(height) ?? EMPTY_ROOT));
}

/** What a verified snapshot restores: block H and the state root it certifies. */
export interface VerifiedSnapshot {
  readonly height: bigint;
  readonly blockBytes: Uint8Array;
  readonly blockHash: Uint8Array;
  readonly stateRoot: Uint8Array;
  readonly entries: number;
}

function refuse(code: string, message: string): never {
  throw new SnapshotError(code, `snapshot refused: ${message}`);
}

/** Block H of the header, checked against the validator-set changes from genesis on. */
function verifyHeader(header: SnapshotHeader, suite: Suite, genesis: Genesis): Block {
  if (header.chainId !== genesis.chainId)
    refuse("SNAPSHOT_OTHER_CHAIN", `it is of chain ${header.chainId}, this node's is ${genesis.chainId}`);
  const hashFn = (d: Uint8Array) => suite.hash(d);
  let validators: GenesisValidator[] = genesis.validators;
  let after = 0n;
  for (const { announced, validators: next } of header.setChanges) {
    const { header: announcing, commit } = announced;
    // Validators may sign other chains with the same keys: a change announced on one is no change here.
    if (announcing.chainId !== genesis.chainId)
      refuse(
        "SNAPSHOT_OTHER_CHAIN",
        `the validator-set change at height ${announcing.height} is of chain ${announcing.chainId}`,
      );
    if (announcing.height <= after || announcing.height >= header.height)
      refuse(
        "SNAPSHOT_BAD_CERTIFICATE",
        `validator-set change at height ${announcing.height} is out of order`,
      );
    const check = verifyCommit(suite, announcing, commit, validators);
    if (!check.ok)
      refuse(
        "SNAPSHOT_BAD_CERTIFICATE",
        `the change announced at height ${announcing.height}: ${check.reason}`,
      );
    if (!bytesEqual(validatorSetHash(hashFn, next), announcing.nextValidatorSetHash))
      refuse(
        "SNAPSHOT_BAD_CERTIFICATE",
        `the set after height ${announcing.height} is not the one its header names`,
      );
    validators = next;
    after = announcing.height;
  }
  let block: Block;
  try {
    block = decodeBlock(header.block);
  } catch (error) {
    if (!(error instanceof LedgerError)) throw error;
    return refuse("SNAPSHOT_MALFORMED", `its block does not decode (${error.message})`);
  }
  const { header: blockHeader, commit } = block;
  if (blockHeader.height !== header.height || blockHeader.chainId !== genesis.chainId)
    refuse(
      "SNAPSHOT_MALFORMED",
      `its block is ${blockHeader.chainId} ${blockHeader.height}, not ${header.height}`,
    );
  if (commit === undefined)
    refuse("SNAPSHOT_BAD_CERTIFICATE", `block ${blockHeader.height} carries no certificate`);
  const check = verifyCommit(suite, blockHeader, commit, validators);
  if (!check.ok)
    refuse(
      "SNAPSHOT_BAD_CERTIFICATE",
      `block ${blockHeader.height} is not signed by > 2/3 of its validators (${check.reason})`,
    );
  return block;
}

/**
 * The file's entries rebuilt into the state tree. With `batchEntries`, yields them in batches
 * with the tree nodes they complete, for the store; without, keeps nothing (a check only). The
 * last batch comes only once the entries rebuilt the block's state root (SNAPSHOT_STATE_MISMATCH
 * otherwise); returns the number of entries.
 */
function* rebuiltState(
  entries: Iterable<SnapshotEntry>,
  suite: Suite,
  block: { readonly height: bigint; readonly stateRoot: Uint8Array },
  batchEntries?: number,
): Generator<RestoreBatch, number> {
  const keep = batchEntries !== undefined;
  let batch: { writes: SnapshotEntry[]; nodes: Array<readonly [Uint8Array, Uint8Array]> } = {
    writes: [],
    nodes: [],
  };
  const builder = new SortedTreeBuilder(
    (d) => suite.hash(d),
    (hash, node) => {
      if (keep) batch.nodes.push([hash, node]);
    },
  );
  for (const entry of entries) {
    try {
      builder.add(entry.key, entry.value);
    } catch (error) {
      if (error instanceof LedgerError && error.code === "STATE_UNSORTED")
        refuse("SNAPSHOT_MALFORMED", `entry ${builder.leaves} is out of order or repeated`);
      throw error;
    }
    if (!keep) continue;
    batch.writes.push(entry);
    if (batch.writes.length >= batchEntries) {
      yield batch;
      batch = { writes: [], nodes: [] };
    }
  }
  const root = builder.finish();
  if (!bytesEqual(root, block.stateRoot)) {
    refuse(
      "SNAPSHOT_STATE_MISMATCH",
      `its ${builder.leaves} entries hash to state root ${toHex(root).slice(0, 16)}…, block ${block.height} certifies ${toHex(block.stateRoot).slice(0, 16)}…`,
    );
  }
  if (keep) yield batch;
  return builder.leaves;
}

/**
 * Checks the snapshot file at `path` against the genesis file alone (see the top of this
 * file), reading it once as a stream; throws SnapshotError saying what does not hold.
 */
export function verifySnapshot(path: string, suite: Suite, genesis: Genesis): VerifiedSnapshot {
  const reader = openSnapshotFile(path);
  try {
    const block = verifyHeader(reader.header, suite, genesis);
    const stateRoot = block.header.stateRoot;
    const rebuilt = rebuiltState(reader.entries(), suite, block.header);
    let step = rebuilt.next();
    while (!step.done) step = rebuilt.next();
    const entries = step.value;
    return {
      height: block.header.height,
      blockBytes: reader.header.block,
      blockHash: blockHash(suite, block.header),
      stateRoot,
      entries,
    };
  } finally {
    reader.close();
  }
}

/**
 * The state of a verified snapshot file, read once more, in batches of entries with their tree
 * nodes for the store to write one transaction each (small: random keys dirty a page each). The last batch comes only once the whole file
 * rebuilt the verified root again (a file changed since it was verified is refused).
 */
export function* snapshotState(
  path: string,
  suite: Suite,
  verified: VerifiedSnapshot,
  batchEntries = 1_000,
): Generator<RestoreBatch> {
  const reader = openSnapshotFile(path);
  try {
    yield* rebuiltState(reader.entries(), suite, verified, batchEntries);
  } finally {
    reader.close();
  }
}
