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
  /**
   * Nodes (hex hashes) of the previous root that this block's root no longer reaches: the
   * stale-node index a pruning store keeps per height (applyBatch's staleNodes).
   */
  readonly staleNodes?: readonly string[];
  /**
   * Nodes (hex hashes) of this block's root that pruning must never delete: the path of a key
   * whose proof at this height is served forever (the validator set where it changed).
   */
  readonly pinnedNodes?: readonly string[];
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

/**
 * Some of a snapshot's state entries and tree nodes (by hash), written in one transaction. A
 * snapshot restore sends the nodes each part of the entries completes; the scaling bench's seed
 * sends entries and nodes in separate batches, each in key order. The store writes what it is
 * given: its caller answers for the root.
 */
export interface RestoreBatch {
  readonly writes: ReadonlyArray<{ readonly key: Uint8Array; readonly value: Uint8Array }>;
  readonly nodes: ReadonlyArray<readonly [Uint8Array, Uint8Array]>;
}

/**
 * A block below a restored node's snapshot, checked against the block above it (backfill): its
 * encoding with the certificate the block above carries, its results and its transactions' hashes.
 */
export interface BackfilledBlock {
  readonly height: bigint;
  readonly blockHash: Uint8Array;
  /** Undefined for the snapshot's own block, which the store holds already (without its results). */
  readonly blockBytes: Uint8Array | undefined;
  readonly resultsBytes: Uint8Array;
  readonly txHashes: readonly Uint8Array[];
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

/** Either store's rule for backfill: blocks run down without a gap from just below historyFrom(). */
export function refuseBackfillGap(from: bigint | undefined, blocks: readonly BackfilledBlock[]): void {
  let expected = from;
  for (const block of blocks) {
    if (expected === undefined || block.height !== expected - 1n)
      throw new StorageError(
        "STORE_HEIGHT_GAP",
        `cannot backfill height ${block.height}: next is ${expected === undefined ? "none" : expected - 1n}`,
      );
    expected = block.height;
  }
}

/**
 * Where a test may make the store fail: `crashMidCommit` halfway through a commit's writes (at
 * the height being committed), to prove that a crash there leaves the previous height intact;
 * `crashMidPrune` halfway through a pruning batch (at the height whose superseded nodes it is
 * deleting), to prove that a crash there deletes nothing; `crashMidBackfill` halfway through a
 * backfill's writes (at the height being written).
 */
export type StoreFault = "crashMidCommit" | "crashMidPrune" | "crashMidBackfill";

/** How a store keeps old state roots. */
export interface StoreOptions {
  /**
   * Write the stale-node index with every commit, so that pruneState can delete superseded
   * tree nodes. Off (an archive node), old roots stay whole forever and nothing is indexed.
   */
  readonly staleIndex?: boolean;
}

/** What one pruneState call did. */
export interface PruneProgress {
  /** Tree nodes deleted. */
  readonly deleted: number;
  /** True once every indexed height up to the asked one is pruned. */
  readonly done: boolean;
  /** The oldest height whose state root is still whole (stateAvailableFrom). */
  readonly availableFrom: bigint;
}

const HEAD_KEY = "head";
/** ChainStore's cached head before it is read. */
const UNREAD = Symbol("unread");
/** Where a restored store's full history begins (historyFrom); absent once it holds the whole chain. */
const HISTORY_KEY = "history-from";
/** The oldest height whose root is whole: pruning deleted nodes that only older roots reach. */
const STATE_FROM_KEY = "state-from";
/** Where pruning stopped inside a height's list of superseded nodes: height (8) and index (4). */
const PRUNE_CURSOR_KEY = "prune-cursor";
/** Set in a store whose every pinned root is recorded (from its genesis, or caught up once). */
const PINS_RECORDED_KEY = "pins-recorded";
const HASH_BYTES = 32;
/**
 * Address space reserved for the map of the data file at open (not memory, not disk: the file
 * grows only as pages are written, and only pages touched become resident). lmdb-js starts with
 * a 128 KB map and, each time the file outgrows it, maps the file again at twice the size while
 * keeping every earlier map for readers that may still point into it. Each map keeps the pages
 * it touched, and the kernel counts a file page in RSS once per map that maps it: a validator's
 * file-backed RSS read two to three times its data file. One map this large is never outgrown in
 * practice (past it, lmdb-js still doubles it), so every page is mapped, and counted, once.
 */
const MAP_RESERVE_BYTES = 64 * 2 ** 30;
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

function readHeight(bytes: Uint8Array): bigint {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0);
}

/**
 * Writes the key unless it is there (LMDB's NOOVERWRITE, in the same lookup as the write); true
 * if it wrote. lmdb-js returns that flag from putSync, though its types say void.
 */
function putIfAbsent(db: Database<Uint8Array, Uint8Array>, key: Uint8Array, value: Uint8Array): boolean {
  return db.putSync(key, value, { noOverwrite: true }) as unknown as boolean;
}

/** Hex hashes as one value of 32-byte hashes back to back. */
function packHashes(hashes: readonly string[]): Uint8Array {
  return Buffer.from(hashes.join(""), "hex");
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
  /** Height -> the nodes its block superseded (32-byte hashes back to back), until pruned. */
  private readonly staleByHeight: Database<Uint8Array, Uint8Array>;
  /**
   * Node hash -> the last height that made it again while it was still stored: a node
   * superseded at H and made again later is live again, so its entry at H must not delete it.
   */
  private readonly remade: Database<Uint8Array, Uint8Array>;
  /** Height -> the nodes its root keeps forever (CommitBatch.pinnedNodes). */
  private readonly pinnedRoots: Database<Uint8Array, Uint8Array>;
  /** Every pinned node (hex), read once at open: pruning asks for each node it deletes. */
  private readonly pinned = new Set<string>();
  private readonly staleIndex: boolean;
  private readonly readOnly: boolean;
  /** How deep in commitTogether calls: inside, commits write into its transaction. */
  private together = 0;
  /**
   * The head as last read or committed, UNREAD until then: this process is the store's only
   * writer, so it changes only with this process's commits and restores, which reset it.
   * Admission, every peer message and every status read ask for it (an LMDB read and a decode
   * each). Never cached by a read-only store (another process writes), nor inside a write
   * transaction (it may yet abort).
   */
  private cachedHead: bigint | undefined | typeof UNREAD = UNREAD;

  private constructor(
    path: string,
    private readonly faults: Faults<StoreFault>,
    readOnly = false,
    options: StoreOptions = {},
  ) {
    this.readOnly = readOnly;
    // overlappingSync off: a commit returns only once it is flushed, so "committed" means durable.
    this.root = open({
      path,
      maxDbs: 16,
      overlappingSync: false,
      compression: false,
      readOnly,
      mapSize: MAP_RESERVE_BYTES,
    });
    const binary = { encoding: "binary", keyEncoding: "binary" } as const;
    this.meta = this.root.openDB({ name: "meta", encoding: "binary" });
    this.blocks = this.root.openDB({ name: "blocks", ...binary });
    this.results = this.root.openDB({ name: "results", ...binary });
    this.blockHashes = this.root.openDB({ name: "block-hashes", ...binary });
    this.txIndex = this.root.openDB({ name: "tx-index", ...binary });
    this.state = this.root.openDB({ name: "state", ...binary });
    this.stateNodes = this.root.openDB({ name: "state-nodes", ...binary });
    this.stateRoots = this.root.openDB({ name: "state-roots", ...binary });
    this.staleByHeight = this.root.openDB({ name: "stale-nodes", ...binary });
    this.remade = this.root.openDB({ name: "remade-nodes", ...binary });
    this.pinnedRoots = this.root.openDB({ name: "pinned-roots", ...binary });
    for (const { value } of this.pinnedRoots.getRange({})) this.addPins(value);
    this.staleIndex = options.staleIndex ?? false;
  }

  static open(path: string, faults: Faults<StoreFault> = noFaults(), options: StoreOptions = {}): ChainStore {
    return new ChainStore(path, faults, false, options);
  }

  /** The store of a node that may be running in another process, for reading only (snapshots). */
  static openReadOnly(path: string): ChainStore {
    return new ChainStore(path, noFaults(), true);
  }

  /** The height of the last committed block, or undefined before genesis. */
  head(): bigint | undefined {
    if (this.cachedHead !== UNREAD) return this.cachedHead;
    const bytes = this.meta.get(HEAD_KEY);
    if (bytes !== undefined && bytes.length !== 8)
      throw new StorageError(
        "STORE_RESTORE_INCOMPLETE",
        "a snapshot restore into this store did not finish: run mkl node restore again, or remove the data directory",
      );
    const head = bytes === undefined ? undefined : readHeight(bytes);
    if (!this.readOnly && this.together === 0) this.cachedHead = head;
    return head;
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

  /**
   * The oldest height whose whole state tree is still stored (0 on a store never pruned): the
   * roots of lower heights may lack nodes that pruning deleted.
   */
  stateAvailableFrom(): bigint {
    const bytes = this.meta.get(STATE_FROM_KEY);
    return bytes === undefined ? 0n : readHeight(bytes);
  }

  /** Whether commits write the stale-node index (StoreOptions.staleIndex): a pruning store. */
  indexesStaleNodes(): boolean {
    return this.staleIndex;
  }

  /** Whether the root of this height keeps pinned nodes (CommitBatch.pinnedNodes) forever. */
  hasPinnedRoot(height: bigint): boolean {
    return this.pinnedRoots.doesExist(heightKey(height));
  }

  /**
   * Pins nodes of an already committed root (a store made before pins were written catches up
   * with this once, while every root is still whole).
   */
  pinRoot(height: bigint, nodes: readonly string[]): void {
    const packed = packHashes(nodes);
    this.root.transactionSync(() => this.pinnedRoots.putSync(heightKey(height), packed));
    this.addPins(packed);
  }

  /**
   * Pages of the LMDB file: up to its last page (LMDB never shrinks the file), and in use by the
   * databases (the rest is on LMDB's free list, for later writes to reuse). For benchmarks.
   */
  pageStats(): { readonly pageSize: number; readonly filePages: number; readonly pagesInUse: number } {
    const env = this.root.getStats() as { lastPageNumber: number; pageSize: number };
    let pagesInUse = 0;
    for (const db of [
      this.meta,
      this.blocks,
      this.results,
      this.blockHashes,
      this.txIndex,
      this.state,
      this.stateNodes,
      this.stateRoots,
      this.staleByHeight,
      this.remade,
      this.pinnedRoots,
    ]) {
      const stats = db.getStats() as {
        treeBranchPageCount: number;
        treeLeafPageCount: number;
        overflowPages: number;
      };
      pagesInUse += stats.treeBranchPageCount + stats.treeLeafPageCount + stats.overflowPages;
    }
    return { pageSize: env.pageSize, filePages: env.lastPageNumber, pagesInUse };
  }

  /** Whether every root that should be pinned is (false only in a store made before pins). */
  pinsRecorded(): boolean {
    return this.meta.get(PINS_RECORDED_KEY) !== undefined;
  }

  markPinsRecorded(): void {
    this.root.transactionSync(() => this.meta.putSync(PINS_RECORDED_KEY, new Uint8Array([1])));
  }

  private addPins(packed: Uint8Array): void {
    for (let at = 0; at + HASH_BYTES <= packed.length; at += HASH_BYTES)
      this.pinned.add(Buffer.from(packed.subarray(at, at + HASH_BYTES)).toString("hex"));
  }

  /**
   * Deletes, in one durable transaction, up to `maxNodes` tree nodes that only the roots below
   * `keepFrom` reach, taking the stale-node index in height order: the entry of height H lists
   * what block H superseded, which no root from H on reaches unless it was made again since
   * (remade) or is pinned. The oldest whole root advances with the deletions, in the same
   * transaction, so a reader never finds a root that claims to be whole and is not. A crash
   * mid-batch loses the whole batch and nothing else; the next call takes it up again.
   */
  pruneState(keepFrom: bigint, maxNodes: number): PruneProgress {
    let deleted = 0;
    let done = false;
    this.root.transactionSync(() => {
      const cursor = this.meta.get(PRUNE_CURSOR_KEY);
      let resumeHeight = cursor === undefined ? undefined : readHeight(cursor);
      let resumeAt =
        cursor === undefined
          ? 0
          : new DataView(cursor.buffer, cursor.byteOffset, cursor.byteLength).getUint32(8);
      let visited = 0;
      while (visited < maxNodes) {
        const next = [...this.staleByHeight.getRange({ start: heightKey(resumeHeight ?? 0n), limit: 1 })][0];
        const height = next === undefined ? undefined : readHeight(next.key);
        if (next === undefined || height === undefined || height > keepFrom) {
          done = true;
          break;
        }
        // Copied before any write: a write in this transaction may move the page it points into.
        const list = plain(next.value) as Uint8Array;
        if (height !== resumeHeight) resumeAt = 0;
        if (this.stateAvailableFrom() < height) this.meta.putSync(STATE_FROM_KEY, heightKey(height));
        const count = list.length / HASH_BYTES;
        let at = resumeAt;
        for (; at < count && visited < maxNodes; at++, visited++) {
          if (at === count >> 1 && this.faults.fires("crashMidPrune", height))
            throw new StorageError(
              "STORE_FAULT_INJECTED",
              `injected crash halfway through pruning ${height}`,
            );
          if (this.deleteIfSuperseded(list.subarray(at * HASH_BYTES, (at + 1) * HASH_BYTES), height))
            deleted++;
        }
        if (at < count) {
          const place = new Uint8Array(12);
          place.set(heightKey(height));
          new DataView(place.buffer).setUint32(8, at);
          this.meta.putSync(PRUNE_CURSOR_KEY, place);
          break;
        }
        this.staleByHeight.removeSync(heightKey(height));
        this.meta.removeSync(PRUNE_CURSOR_KEY);
        resumeHeight = height + 1n;
        resumeAt = 0;
      }
    });
    return { deleted, done, availableFrom: this.stateAvailableFrom() };
  }

  /** Deletes a node superseded at `height` unless it is pinned or was made again after. */
  private deleteIfSuperseded(hash: Uint8Array, height: bigint): boolean {
    if (this.pinned.has(Buffer.from(hash).toString("hex"))) return false;
    const remadeAt = this.remade.getBinary(hash);
    if (remadeAt !== undefined) {
      if (readHeight(remadeAt) > height) return false;
      this.remade.removeSync(hash);
    }
    return this.stateNodes.removeSync(hash);
  }

  /**
   * The lowest height from which on this store holds every block with its results, when it lacks
   * some below (a node restored from a snapshot at H holds block H without its results: H + 1,
   * lowered as backfill stores the blocks below); undefined when it holds the whole chain.
   */
  historyFrom(): bigint | undefined {
    const stored = this.meta.get(HISTORY_KEY);
    if (stored !== undefined) return readHeight(stored);
    // A store restored before backfill existed holds block H but no block 1 and no mark.
    const head = this.meta.get(HEAD_KEY);
    if (head === undefined || head.length !== 8 || readHeight(head) === 0n) return undefined;
    if (this.blocks.getBinary(heightKey(1n)) !== undefined) return undefined;
    for (const key of this.blocks.getKeys({ start: heightKey(1n), limit: 1 })) return readHeight(key) + 1n;
    return undefined;
  }

  /**
   * Stores checked blocks below historyFrom(), descending without a gap from just below it,
   * with their results and indexes, and the lower mark, in one durable transaction (a synchronous
   * one like every commit's: lmdb-js would let a block commit made during an asynchronous write
   * join that write and return before it is flushed): all of them or, after a crash, none.
   */
  backfill(blocks: readonly BackfilledBlock[]): void {
    refuseBackfillGap(this.historyFrom(), blocks);
    const lowest = blocks.at(-1);
    if (lowest === undefined) return;
    this.root.transactionSync(() => {
      for (const block of blocks) {
        const key = heightKey(block.height);
        if (block.blockBytes !== undefined) this.blocks.putSync(key, block.blockBytes);
        if (this.faults.fires("crashMidBackfill", block.height))
          throw new StorageError(
            "STORE_FAULT_INJECTED",
            `injected crash halfway through backfill ${block.height}`,
          );
        this.results.putSync(key, block.resultsBytes);
        this.blockHashes.putSync(block.blockHash, key);
        block.txHashes.forEach((hash, index) => {
          this.txIndex.putSync(hash, txLocationBytes({ height: block.height, index }));
        });
      }
      if (lowest.height <= 1n) this.meta.removeSync(HISTORY_KEY);
      else this.meta.putSync(HISTORY_KEY, heightKey(lowest.height));
    });
  }

  /**
   * Commits one block and everything it changed in a single durable LMDB transaction (inside
   * commitTogether, in that one).
   */
  commit(batch: CommitBatch): void {
    const head = this.head();
    refuseHeightGap(head, batch.height);
    const key = heightKey(batch.height);
    this.cachedHead = UNREAD;
    this.inTransaction(() => {
      // A store that begins with this commit records its pins from the start.
      if (head === undefined) this.meta.putSync(PINS_RECORDED_KEY, new Uint8Array([1]));
      this.blocks.putSync(key, batch.blockBytes);
      if (batch.previousBlockBytes !== undefined)
        this.blocks.putSync(heightKey(batch.height - 1n), batch.previousBlockBytes);
      this.results.putSync(key, batch.resultsBytes);
      this.blockHashes.putSync(batch.blockHash, key);
      batch.txHashes.forEach((hash, index) => {
        this.txIndex.putSync(hash, txLocationBytes({ height: batch.height, index }));
      });
      for (const [hashHex, node] of sortedNodes(batch.stateNodes)) {
        const hash = hexToBytes(hashHex);
        // An archive store never deletes a node, so one made again is just written again.
        if (!this.staleIndex) this.stateNodes.putSync(hash, node);
        // Still stored: superseded earlier and not yet pruned, now live again.
        else if (!putIfAbsent(this.stateNodes, hash, node)) this.remade.putSync(hash, key);
      }
      if (this.staleIndex && batch.staleNodes !== undefined && batch.staleNodes.length > 0)
        this.staleByHeight.putSync(key, packHashes(batch.staleNodes));
      if (batch.pinnedNodes !== undefined && batch.pinnedNodes.length > 0)
        this.pinnedRoots.putSync(key, packHashes(batch.pinnedNodes));
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
    // Durable now, unless commitTogether's transaction holds it (that one resets the head).
    if (this.together === 0 && !this.readOnly) this.cachedHead = batch.height;
    if (batch.pinnedNodes !== undefined) for (const hash of batch.pinnedNodes) this.pinned.add(hash);
  }

  /**
   * Starts a store that holds only genesis (height 0) at a later height H from a verified
   * snapshot: block H, the whole state of H (replacing genesis state) and its tree, written
   * batch by batch as `state` yields them, then the root and head in a last transaction. Until
   * that one, the head says a restore is under way: the store refuses to serve
   * (STORE_RESTORE_INCOMPLETE) and only a new restore may take it up. Blocks 1..H-1 and the
   * results of H are absent (historyFrom() is H + 1): backfill fetches them from peers, block
   * sync H+1 onwards.
   */
  restore(snapshot: RestoredHead, state: Iterable<RestoreBatch>): void {
    if (!this.restoreIncomplete() && this.head() !== 0n) {
      throw new StorageError(
        "STORE_NOT_EMPTY",
        `a snapshot restores into a new node only; this store is at height ${this.head()}`,
      );
    }
    this.cachedHead = UNREAD;
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
      this.meta.putSync(HISTORY_KEY, heightKey(snapshot.height + 1n));
      this.meta.putSync(HEAD_KEY, key);
    });
    this.cachedHead = UNREAD;
  }

  /** Whether a restore began here and did not finish (its state is partial). */
  restoreIncomplete(): boolean {
    const head = this.meta.get(HEAD_KEY);
    return head !== undefined && Buffer.compare(head, RESTORING) === 0;
  }

  /**
   * Commits made in `commits` write into one transaction: one fsync for all. They write straight
   * into it, not each into a child transaction (LMDB copies every page a child touches that its
   * parent holds dirty): a commit that throws throws out of this too, which aborts them all.
   */
  commitTogether(commits: () => void): void {
    this.together++;
    try {
      this.root.transactionSync(commits);
    } finally {
      this.together--;
      // Its commits moved the head, or aborted with it: read it again.
      this.cachedHead = UNREAD;
    }
  }

  /** Runs `writes` in the commitTogether transaction under way, else in a transaction of its own. */
  private inTransaction(writes: () => void): void {
    if (this.together > 0) writes();
    else this.root.transactionSync(writes);
  }

  async close(): Promise<void> {
    await this.root.close();
  }
}
