import { type Database, open, type RootDatabase } from "lmdb";
import { LedgerError } from "../errors.js";
import { type Faults, noFaults } from "../faults.js";

/**
 * The node's durable store: one LMDB environment with a few named databases. LMDB gives
 * synchronous reads (the deterministic executor reads state without awaiting) and atomic,
 * fsynced write transactions: a block, its results, its state changes, its Merkle nodes and its
 * indexes land together or not at all, so a crash mid-commit leaves the previous height intact.
 */
export interface StateWrite {
  readonly key: Uint8Array;
  /** undefined deletes the key. */
  readonly value: Uint8Array | undefined;
}

export interface CommitBatch {
  readonly height: bigint;
  readonly blockHash: Uint8Array;
  /** The encoded block including its commit certificate. */
  readonly blockBytes: Uint8Array;
  /** The encoded list of transaction results of the block. */
  readonly resultsBytes: Uint8Array;
  readonly txHashes: readonly Uint8Array[];
  readonly stateWrites: readonly StateWrite[];
  /** New content-addressed nodes of the state tree (hex hash -> node bytes). */
  readonly stateNodes: ReadonlyMap<string, Uint8Array>;
  readonly stateRoot: Uint8Array;
  /**
   * The previous block again, with the commit certificate that the new block's proposer
   * carried for it. Every node then stores the same certificate for every block but the last.
   */
  readonly previousBlockBytes?: Uint8Array;
}

/** Block H of a snapshot and the root its state rebuilds (ChainStore.restore). */
export interface RestoredHead {
  readonly height: bigint;
  readonly blockHash: Uint8Array;
  readonly blockBytes: Uint8Array;
  readonly stateRoot: Uint8Array;
}

/** Some of a snapshot's state entries, with the tree nodes they complete (by hash). */
export interface RestoreBatch {
  readonly writes: ReadonlyArray<{ readonly key: Uint8Array; readonly value: Uint8Array }>;
  readonly nodes: ReadonlyArray<readonly [Uint8Array, Uint8Array]>;
}

export interface TxLocation {
  readonly height: bigint;
  readonly index: number;
}

export class StorageError extends LedgerError {}

/** Either store's rule: a commit is the height after the head (or any height on an empty store). */
export function refuseHeightGap(head: bigint | undefined, height: bigint): void {
  const expected = head === undefined ? height : head + 1n;
  if (height !== expected) {
    throw new StorageError("STORE_HEIGHT_GAP", `cannot commit height ${height}: next is ${expected}`, {
      height: height.toString(),
      expected: expected.toString(),
    });
  }
}

/**
 * Where a test may make the store fail: `crashMidCommit` halfway through a commit's writes (at
 * the height being committed), to prove that a crash there leaves the previous height intact.
 */
export type StoreFault = "crashMidCommit";

const HEAD_KEY = "head";
/** The head while a snapshot restore is under way: not a height (heights are 8 bytes). */
const RESTORING = Buffer.from("restoring");

export function heightKey(height: bigint): Uint8Array {
  const key = new Uint8Array(8);
  new DataView(key.buffer).setBigUint64(0, height);
  return key;
}

function txLocationBytes(location: TxLocation): Uint8Array {
  const bytes = new Uint8Array(12);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, location.height);
  view.setUint32(8, location.index);
  return bytes;
}

function readTxLocation(bytes: Uint8Array): TxLocation {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { height: view.getBigUint64(0), index: view.getUint32(8) };
}

/** The first key after every key that starts with `prefix` (undefined: no end). */
function prefixEnd(prefix: Uint8Array): Uint8Array | undefined {
  const end = Uint8Array.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if ((end[i] as number) < 0xff) {
      end[i] = (end[i] as number) + 1;
      return end.slice(0, i + 1);
    }
  }
  return undefined;
}

function hexToBytes(hex: string): Uint8Array {
  return Buffer.from(hex, "hex");
}

/** Copies LMDB's buffer into a plain Uint8Array so callers never hold a view into the map. */
function plain(buffer: Uint8Array | undefined): Uint8Array | undefined {
  // The typed-array constructor copies; Uint8Array.from would walk an iterator byte by byte.
  return buffer === undefined ? undefined : new Uint8Array(buffer);
}

/** A block's new tree nodes in key order: LMDB inserts sorted keys along one path of pages. */
function sortedNodes(nodes: ReadonlyMap<string, Uint8Array>): [string, Uint8Array][] {
  return [...nodes].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

export class ChainStore {
  private readonly root: RootDatabase;
  private readonly meta: Database<Uint8Array, string>;
  private readonly blocks: Database<Uint8Array, Uint8Array>;
  private readonly results: Database<Uint8Array, Uint8Array>;
  private readonly blockHashes: Database<Uint8Array, Uint8Array>;
  private readonly txIndex: Database<Uint8Array, Uint8Array>;
  private readonly state: Database<Uint8Array, Uint8Array>;
  private readonly stateNodes: Database<Uint8Array, Uint8Array>;
  private readonly stateRoots: Database<Uint8Array, Uint8Array>;

  private constructor(
    path: string,
    private readonly faults: Faults<StoreFault>,
    readOnly = false,
  ) {
    // overlappingSync off: a commit returns only once it is flushed, so "committed" means durable.
    this.root = open({ path, maxDbs: 16, overlappingSync: false, compression: false, readOnly });
    const binary = { encoding: "binary", keyEncoding: "binary" } as const;
    this.meta = this.root.openDB({ name: "meta", encoding: "binary" });
    this.blocks = this.root.openDB({ name: "blocks", ...binary });
    this.results = this.root.openDB({ name: "results", ...binary });
    this.blockHashes = this.root.openDB({ name: "block-hashes", ...binary });
    this.txIndex = this.root.openDB({ name: "tx-index", ...binary });
    this.state = this.root.openDB({ name: "state", ...binary });
    this.stateNodes = this.root.openDB({ name: "state-nodes", ...binary });
    this.stateRoots = this.root.openDB({ name: "state-roots", ...binary });
  }

  static open(path: string, faults: Faults<StoreFault> = noFaults()): ChainStore {
    return new ChainStore(path, faults);
  }

  /** The store of a node that may be running in another process, for reading only (snapshots). */
  static openReadOnly(path: string): ChainStore {
    return new ChainStore(path, noFaults(), true);
  }

  /** The height of the last committed block, or undefined before genesis. */
  head(): bigint | undefined {
    const bytes = this.meta.get(HEAD_KEY);
    if (bytes === undefined) return undefined;
    if (bytes.length !== 8)
      throw new StorageError(
        "STORE_RESTORE_INCOMPLETE",
        "a snapshot restore into this store did not finish: run mkl node restore again, or remove the data directory",
      );
    return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0);
  }

  getBlock(height: bigint): Uint8Array | undefined {
    return plain(this.blocks.getBinary(heightKey(height)));
  }

  getResults(height: bigint): Uint8Array | undefined {
    return plain(this.results.getBinary(heightKey(height)));
  }

  heightOfBlock(blockHash: Uint8Array): bigint | undefined {
    const bytes = this.blockHashes.getBinary(blockHash);
    if (bytes === undefined) return undefined;
    return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0);
  }

  locateTx(txHash: Uint8Array): TxLocation | undefined {
    const bytes = this.txIndex.getBinary(txHash);
    return bytes === undefined ? undefined : readTxLocation(bytes);
  }

  /** The latest committed value of a state key (the flat copy the executor reads). */
  getState(key: Uint8Array): Uint8Array | undefined {
    return plain(this.state.getBinary(key));
  }

  /**
   * Keys and values of the latest state in key order: all of them (for audits and consistency
   * checks), or those under a prefix. At most `limit` entries.
   */
  *stateEntries(
    prefix?: Uint8Array,
    limit = Number.POSITIVE_INFINITY,
  ): Generator<{ key: Uint8Array; value: Uint8Array }> {
    const end = prefix === undefined ? undefined : prefixEnd(prefix);
    const range = prefix === undefined ? {} : end === undefined ? { start: prefix } : { start: prefix, end };
    let count = 0;
    for (const { key, value } of this.state.getRange(range)) {
      if (count++ >= limit) return;
      yield { key: Uint8Array.from(key), value: Uint8Array.from(value) };
    }
  }

  /** A node of the state tree by its hash; synchronous, as the tree code needs. */
  getStateNode(hash: Uint8Array): Uint8Array | undefined {
    return plain(this.stateNodes.getBinary(hash));
  }

  /** The state root committed at a height. */
  stateRootAt(height: bigint): Uint8Array | undefined {
    return plain(this.stateRoots.getBinary(heightKey(height)));
  }

  /** Commits one block and everything it changed in a single durable LMDB transaction. */
  commit(batch: CommitBatch): void {
    refuseHeightGap(this.head(), batch.height);
    const key = heightKey(batch.height);
    this.root.transactionSync(() => {
      this.blocks.putSync(key, batch.blockBytes);
      if (batch.previousBlockBytes !== undefined)
        this.blocks.putSync(heightKey(batch.height - 1n), batch.previousBlockBytes);
      this.results.putSync(key, batch.resultsBytes);
      this.blockHashes.putSync(batch.blockHash, key);
      batch.txHashes.forEach((hash, index) => {
        this.txIndex.putSync(hash, txLocationBytes({ height: batch.height, index }));
      });
      for (const [hashHex, node] of sortedNodes(batch.stateNodes))
        this.stateNodes.putSync(hexToBytes(hashHex), node);
      if (this.faults.fires("crashMidCommit", batch.height))
        throw new StorageError(
          "STORE_FAULT_INJECTED",
          `injected crash halfway through commit ${batch.height}`,
        );
      for (const write of batch.stateWrites) {
        if (write.value === undefined) this.state.removeSync(write.key);
        else this.state.putSync(write.key, write.value);
      }
      this.stateRoots.putSync(key, batch.stateRoot);
      this.meta.putSync(HEAD_KEY, key);
    });
  }

  /**
   * Starts a store that holds only genesis (height 0) at a later height H from a verified
   * snapshot: block H, the whole state of H (replacing genesis state) and its tree, written
   * batch by batch as `state` yields them, then the root and head in a last transaction. Until
   * that one, the head says a restore is under way: the store refuses to serve
   * (STORE_RESTORE_INCOMPLETE) and only a new restore may take it up. Blocks 1..H-1 stay
   * absent; block sync fetches H+1 onwards.
   */
  restore(snapshot: RestoredHead, state: Iterable<RestoreBatch>): void {
    if (!this.restoreIncomplete() && this.head() !== 0n) {
      throw new StorageError(
        "STORE_NOT_EMPTY",
        `a snapshot restores into a new node only; this store is at height ${this.head()}`,
      );
    }
    this.root.transactionSync(() => this.meta.putSync(HEAD_KEY, RESTORING));
    this.state.clearSync();
    for (const batch of state) {
      this.root.transactionSync(() => {
        for (const write of batch.writes) this.state.putSync(write.key, write.value);
        for (const [hash, node] of batch.nodes) this.stateNodes.putSync(hash, node);
      });
    }
    const key = heightKey(snapshot.height);
    this.root.transactionSync(() => {
      this.blocks.putSync(key, snapshot.blockBytes);
      this.blockHashes.putSync(snapshot.blockHash, key);
      this.stateRoots.putSync(key, snapshot.stateRoot);
      this.meta.putSync(HEAD_KEY, key);
    });
  }

  /** Whether a restore began here and did not finish (its state is partial). */
  restoreIncomplete(): boolean {
    const head = this.meta.get(HEAD_KEY);
    return head !== undefined && Buffer.compare(head, RESTORING) === 0;
  }

  /** Nested in this, each commit's transaction becomes a child of one outer transaction: one fsync for all. */
  commitTogether(commits: () => void): void {
    this.root.transactionSync(commits);
  }

  async close(): Promise<void> {
    await this.root.close();
  }
}
