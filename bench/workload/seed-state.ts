import { rmSync } from "node:fs";
import { join } from "node:path";
import { type Database, open, type RootDatabase } from "lmdb";
import { encodeTxResults, txResultCodec } from "../../src/app/events.js";
import { type BlockOutcome, executeBlock } from "../../src/app/executor.js";
import { readValidators } from "../../src/app/governance/validator-set.js";
import type { StateReader, StateWriteEntry } from "../../src/app/state.js";
import type { KeyPair } from "../../src/crypto/suite.js";
import {
  type BlockHeader,
  blockHash,
  encode,
  encodeBlock,
  lastCommitHash,
  merkleRoot,
  toHex,
  validatorSetHash,
} from "../../src/ledger/index.js";
import { SortedTreeBuilder } from "../../src/ledger/state/sorted-build.js";
import type { Chain } from "../../src/node/chain.js";
import type { ChainStore, RestoreBatch } from "../../src/storage/chain-store.js";
import { HashOrder } from "./hash-order.js";

/** Seeded writes held in memory before they go to the scratch store in one transaction. */
const FLUSH_ENTRIES = 200_000;
/** State entries, or tree nodes, per transaction of the final restore. */
const RESTORE_ENTRIES = 100_000;

/** This process's CPU time so far, in milliseconds. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * Pre-seeding a large state, fast and still honest. Each block is executed by the node's own
 * executor (executeBlock, what a block's execution runs, at the height and time the local chain
 * would give it), but no block builds its state root: the state the blocks leave is kept in a
 * scratch LMDB under the state's own keys. `finish` builds the tree once, bottom up from the
 * leaves in H(key) order (SortedTreeBuilder, as a snapshot restore does), and hands the store
 * that state as a node restored from a snapshot at the last seeded height holds it
 * (ChainStore.restore): the same keys, values and state root as committing the blocks one by one
 * leaves (test/bench/seed-state.test.ts). What differs is only what is not state: the blocks
 * below the last are not stored (its header names no parent: zero previous hash, no last
 * commit), and the tree holds only the nodes of the last root, as a restored node's does, not
 * the superseded nodes an archive node that executed every block would also keep.
 *
 * Every store write goes in key order, so each transaction fills pages of its own instead of
 * dirtying pages all over a database (at 10^6 baskets, random keys had made every flush and every
 * restore transaction copy most of a database of hundreds of MB): the scratch store is keyed by
 * the state key (the app's keys are mostly sequential), and the leaves (by H(key)) and the tree
 * nodes (by hash) pass through an on-disk bucket sort (HashOrder) on their way.
 */
export class SeedState {
  private readonly env: RootDatabase<Uint8Array, Uint8Array>;
  private readonly db: Database<Uint8Array, Uint8Array>;
  /** Writes not yet in the scratch store, by hex key (undefined value: deleted). */
  private readonly pending = new Map<string, StateWriteEntry>();
  private height: bigint;
  private readonly genesisTimeMs: bigint;
  private last: { txs: Uint8Array[]; outcome: BlockOutcome } | undefined;
  private readonly hash: (data: Uint8Array) => Uint8Array;
  /** Where the seed's CPU went (ms) and how much it wrote. */
  readonly figures = {
    executeMs: 0,
    flushMs: 0,
    flushes: 0,
    /** Sorting the leaves into H(key) order and building the tree (its nodes sorted by hash). */
    treeMs: 0,
    /** The store's restore: the state entries, then the tree nodes. */
    restoreMs: 0,
    entries: 0,
    nodes: 0,
  };

  /** The state the seeded blocks see: their own writes over the genesis state. */
  readonly state: StateReader = {
    get: (key) => {
      const hit = this.pending.get(toHex(key));
      return hit === undefined ? this.db.getBinary(key) : hit.value;
    },
  };

  constructor(
    private readonly chain: Chain,
    private readonly store: ChainStore,
    private readonly key: KeyPair,
    private readonly scratchDir: string,
    private readonly flushEntries = FLUSH_ENTRIES,
  ) {
    if (store.head() !== 0n) throw new Error("seeding starts from a store holding only genesis");
    this.hash = (data) => chain.suite.hash(data);
    this.height = 0n;
    this.genesisTimeMs = chain.latestHeader().timeMs;
    this.env = open({ path: join(scratchDir, "state"), compression: false, noSync: true });
    this.db = this.env.openDB({ name: "state", encoding: "binary", keyEncoding: "binary" });
    this.db.transactionSync(() => {
      for (const { key, value } of store.stateEntries()) this.db.putSync(key, value);
    });
  }

  /**
   * Executes the next block of the seed from these candidates: its outcome, as the chain's
   * execution gives it (outcome.txHashes says how many of them the block took).
   */
  execute(candidates: Uint8Array[]): BlockOutcome {
    const started = cpuMs();
    const height = this.height + 1n;
    // The local chain's block times: genesis + 1 ms for block 1, then its one signer's commit
    // timestamp (the block's time + 1 ms) as the next block's BFT time.
    const env = { chainId: this.chain.genesis.chainId, height, timeMs: this.genesisTimeMs + height };
    // Filled as the proposer fills a block: the transactions after the work limit are left out.
    const outcome = executeBlock(this.chain.suite, this.state, env, candidates, this.chain.verifiedTxs, {
      fill: true,
    });
    for (const write of outcome.writes) this.pending.set(toHex(write.key), write);
    this.height = height;
    this.last = { txs: candidates.slice(0, outcome.txHashes.length), outcome };
    this.figures.executeMs += cpuMs() - started;
    if (this.pending.size >= this.flushEntries) this.flush();
    return outcome;
  }

  /**
   * Builds the tree of the seeded state and restores the store to the last seeded block with
   * it; the chain then goes on from there.
   */
  finish(): void {
    const last = this.last;
    if (last === undefined) throw new Error("nothing was seeded");
    this.flush();
    let started = cpuMs();
    const nodes = new HashOrder(join(this.scratchDir, "nodes"));
    try {
      const stateRoot = this.buildTree(nodes);
      this.figures.treeMs += cpuMs() - started;
      started = cpuMs();
      const { suite, genesis } = this.chain;
      const validators = readValidators(this.state).map(({ publicKey, power }) => ({ publicKey, power }));
      const validatorsHash = validatorSetHash(this.hash, validators);
      const encodedResults = last.outcome.results.map((r) => encode(txResultCodec, r));
      const header: BlockHeader = {
        chainId: genesis.chainId,
        height: this.height,
        timeMs: this.genesisTimeMs + this.height,
        previousHash: new Uint8Array(32),
        lastCommitHash: lastCommitHash(suite, undefined),
        txRoot: merkleRoot(this.hash, last.txs),
        resultsRoot: merkleRoot(this.hash, encodedResults),
        stateRoot,
        proposer: this.key.publicKey.bytes,
        validatorSetHash: validatorsHash,
        nextValidatorSetHash: validatorsHash,
      };
      const hash = blockHash(suite, header);
      const block = { header, txs: last.txs, lastCommit: undefined, commit: undefined };
      const prepared = {
        block,
        hash,
        outcome: last.outcome,
        stateNodes: new Map(),
        staleNodes: [],
        resultsBytes: encodeTxResults(encodedResults),
      };
      const certified = this.chain.signCommit(prepared, [this.key], header.timeMs + 1n);
      this.store.restore(
        { height: this.height, blockHash: hash, blockBytes: encodeBlock(certified), stateRoot },
        this.restoreBatches(nodes),
      );
      this.figures.restoreMs += cpuMs() - started;
    } finally {
      nodes.discard();
    }
  }

  async close(): Promise<void> {
    await this.env.close();
    rmSync(this.scratchDir, { recursive: true, force: true });
  }

  /** The root of the seeded state; every node of its tree goes to `nodes`. */
  private buildTree(nodes: HashOrder): Uint8Array {
    const leaves = new HashOrder(join(this.scratchDir, "leaves"));
    try {
      for (const { key, value } of this.db.getRange({})) leaves.add(this.hash(key), record(key, value));
      const builder = new SortedTreeBuilder(this.hash, (hash, node) => nodes.add(hash, node));
      for (const leaf of leaves.sorted()) {
        const { key, value } = parseRecord(leaf.value);
        builder.add(key, value);
      }
      this.figures.entries = builder.leaves;
      this.figures.nodes = nodes.size;
      return builder.finish();
    } finally {
      leaves.discard();
    }
  }

  /**
   * The seeded state in key order, then its tree's nodes in hash order (the restore writes each
   * batch in one transaction).
   */
  private *restoreBatches(nodes: HashOrder): Generator<RestoreBatch> {
    let writes: { key: Uint8Array; value: Uint8Array }[] = [];
    for (const { key, value } of this.db.getRange({})) {
      // Copied: a range hands out views into the map.
      writes.push({ key: new Uint8Array(key), value: new Uint8Array(value) });
      if (writes.length >= RESTORE_ENTRIES) {
        yield { writes, nodes: [] };
        writes = [];
      }
    }
    if (writes.length > 0) yield { writes, nodes: [] };
    let batch: [Uint8Array, Uint8Array][] = [];
    for (const { key, value } of nodes.sorted()) {
      batch.push([key, value]);
      if (batch.length >= RESTORE_ENTRIES) {
        yield { writes: [], nodes: batch };
        batch = [];
      }
    }
    if (batch.length > 0) yield { writes: [], nodes: batch };
  }

  /** The pending writes, in key order (sequential keys then fill pages of their own). */
  private flush(): void {
    const started = cpuMs();
    this.figures.flushes++;
    const writes = [...this.pending].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    this.db.transactionSync(() => {
      for (const [, { key, value }] of writes) {
        if (value === undefined) this.db.removeSync(key);
        else this.db.putSync(key, value);
      }
    });
    this.pending.clear();
    this.figures.flushMs += cpuMs() - started;
  }
}

/** A leaf's record: the key's length (2 bytes), the key, the value. */
function record(key: Uint8Array, value: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + key.length + value.length);
  new DataView(out.buffer).setUint16(0, key.length);
  out.set(key, 2);
  out.set(value, 2 + key.length);
  return out;
}

function parseRecord(bytes: Uint8Array): { key: Uint8Array; value: Uint8Array } {
  const keyLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint16(0);
  return { key: bytes.subarray(2, 2 + keyLength), value: bytes.subarray(2 + keyLength) };
}
