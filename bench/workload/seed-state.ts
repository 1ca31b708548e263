import { type Database, open, type RootDatabase } from "lmdb";
import { encodeTxResults, txResultCodec } from "../../src/app/events.js";
import { type BlockOutcome, executeBlock } from "../../src/app/executor.js";
import { readValidators } from "../../src/app/governance/validator-set.js";
import type { StateReader, StateWriteEntry } from "../../src/app/state.js";
import type { KeyPair } from "../../src/crypto/suite.js";
import {
  type BlockHeader,
  blockHash,
  bytesEqual,
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

/** Seeded writes held in memory before they go to the scratch store in one transaction. */
const FLUSH_ENTRIES = 200_000;
/** State entries (with the tree nodes they complete) per transaction of the final restore. */
const RESTORE_ENTRIES = 50_000;

/**
 * Pre-seeding a large state, fast and still honest. Each block is executed by the node's own
 * executor (executeBlock, what a block's execution runs, at the height and time the local chain
 * would give it), but no block builds its state root: the state the blocks leave is kept in a
 * scratch LMDB keyed by H(key), so it iterates in the tree's leaf order. `finish` builds the
 * tree once, bottom up from those sorted leaves (SortedTreeBuilder, as a snapshot restore does),
 * and hands the store that state as a node restored from a snapshot at the last seeded height
 * holds it (ChainStore.restore): the same keys, values and state root as committing the blocks
 * one by one leaves (test/bench/seed-state.test.ts). What differs is only what is not state: the
 * blocks below the last are not stored (its header names no parent: zero previous hash, no last
 * commit), and the tree holds only the nodes of the last root, as a restored node's does, not the
 * superseded nodes an archive node that executed every block would also keep.
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

  /** The state the seeded blocks see: their own writes over the genesis state. */
  readonly state: StateReader = {
    get: (key) => {
      const hit = this.pending.get(toHex(key));
      return hit === undefined ? this.scratchValue(key) : hit.value;
    },
  };

  constructor(
    private readonly chain: Chain,
    private readonly store: ChainStore,
    private readonly key: KeyPair,
    scratchDir: string,
    private readonly flushEntries = FLUSH_ENTRIES,
  ) {
    if (store.head() !== 0n) throw new Error("seeding starts from a store holding only genesis");
    this.hash = (data) => chain.suite.hash(data);
    this.height = 0n;
    this.genesisTimeMs = chain.latestHeader().timeMs;
    this.env = open({ path: scratchDir, compression: false, noSync: true });
    this.db = this.env.openDB({ name: "state", encoding: "binary", keyEncoding: "binary" });
    this.db.transactionSync(() => {
      for (const { key, value } of store.stateEntries()) this.db.putSync(this.hash(key), record(key, value));
    });
  }

  /**
   * Executes the next block of the seed from these candidates: its outcome, as the chain's
   * execution gives it (outcome.txHashes says how many of them the block took).
   */
  execute(candidates: Uint8Array[]): BlockOutcome {
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
    const builder = new SortedTreeBuilder(this.hash, () => {});
    for (const { key, value } of this.entries()) builder.add(key, value);
    const stateRoot = builder.finish();
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
      this.restoreBatches(stateRoot),
    );
  }

  async close(): Promise<void> {
    await this.env.close();
  }

  /** The seeded state again with the tree nodes each part completes, checked against the root. */
  private *restoreBatches(root: Uint8Array): Generator<RestoreBatch> {
    let batch: { writes: { key: Uint8Array; value: Uint8Array }[]; nodes: [Uint8Array, Uint8Array][] } = {
      writes: [],
      nodes: [],
    };
    const builder = new SortedTreeBuilder(this.hash, (hash, node) => batch.nodes.push([hash, node]));
    for (const entry of this.entries()) {
      builder.add(entry.key, entry.value);
      batch.writes.push(entry);
      if (batch.writes.length >= RESTORE_ENTRIES) {
        yield batch;
        batch = { writes: [], nodes: [] };
      }
    }
    if (!bytesEqual(builder.finish(), root)) throw new Error("seeded state changed while it was restored");
    yield batch;
  }

  /** The seeded state in H(key) order, the tree's leaf order. */
  private *entries(): Generator<{ key: Uint8Array; value: Uint8Array }> {
    for (const { value } of this.db.getRange({})) yield parseRecord(value);
  }

  private scratchValue(key: Uint8Array): Uint8Array | undefined {
    const stored = this.db.getBinary(this.hash(key));
    if (stored === undefined) return undefined;
    const entry = parseRecord(stored);
    return bytesEqual(entry.key, key) ? entry.value : undefined;
  }

  private flush(): void {
    this.db.transactionSync(() => {
      for (const { key, value } of this.pending.values()) {
        if (value === undefined) this.db.removeSync(this.hash(key));
        else this.db.putSync(this.hash(key), record(key, value));
      }
    });
    this.pending.clear();
  }
}

/** A scratch record: the key's length (2 bytes), the key, the value. */
function record(key: Uint8Array, value: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + key.length + value.length);
  new DataView(out.buffer).setUint16(0, key.length);
  out.set(key, 2);
  out.set(value, 2 + key.length);
  return out;
}

function parseRecord(bytes: Uint8Array): { key: Uint8Array; value: Uint8Array } {
  const keyLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint16(0);
  return {
    key: new Uint8Array(bytes.subarray(2, 2 + keyLength)),
    value: new Uint8Array(bytes.subarray(2 + keyLength)),
  };
}
