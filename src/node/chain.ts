import { readAccount } from "../app/accounts.js";
import { InvalidBlockError } from "../app/errors.js";
import { encodeTxResults, type TxResult, txResultCodec, txResultsCodec } from "../app/events.js";
import { type BlockOutcome, executeBlock } from "../app/executor.js";
import {
  type Genesis,
  type GenesisValidator,
  VALIDATORS_KEY,
  validatorSetCodec,
  writeGenesisState,
} from "../app/genesis.js";
import { readScheduledSet, readValidators, validatorsForHeight } from "../app/governance/validator-set.js";
import { StateOverlay, type StateReader, type StateWriteEntry } from "../app/state.js";
import { bftTime, ValidatorSet, type Vote } from "../consensus/index.js";
import type { KeyPair, Suite } from "../crypto/suite.js";
import {
  applyBatch,
  type Block,
  type BlockHeader,
  blockHash,
  bytesEqual,
  type CommitCertificate,
  commitCertificateCodec,
  commitVoteSignBytes,
  decode,
  decodeBlock,
  EMPTY_ROOT,
  encode,
  encodeBlock,
  getAt,
  inclusionProof,
  lastCommitHash,
  MemoryNodeStore,
  merkleRoot,
  nodesOnPath,
  proveAt,
  type SmtNodeStore,
  type StateProof,
  toHex,
  type Validator,
  validatorSetHash,
  verifyCommit,
} from "../ledger/index.js";
import { StorageError } from "../storage/chain-store.js";
import type { ChainStorage } from "../storage/storage.js";
import { VerifiedTxs } from "./verified-txs.js";

const genesisBlocks = new WeakMap<Genesis, Map<Suite, PreparedBlock & { writes: StateWriteEntry[] }>>();
const ZERO_HASH = new Uint8Array(32);

/** A block executed and ready to be committed once it carries a commit certificate. */
export interface PreparedBlock {
  readonly block: Block;
  readonly hash: Uint8Array;
  readonly outcome: BlockOutcome;
  readonly stateNodes: Map<string, Uint8Array>;
  /** Nodes of the head's state root that this block's root no longer reaches (a pruning store's; else empty). */
  readonly staleNodes: readonly string[];
  /** The block's results as stored (txResultsCodec). */
  readonly resultsBytes: Uint8Array;
}

/** A block as committed, with what executing it produced (for metrics and event streams). */
export interface CommittedBlock {
  readonly block: Block;
  readonly hash: Uint8Array;
  readonly outcome: BlockOutcome;
  readonly commitSeconds: number;
}

export interface TxRecord {
  readonly height: bigint;
  readonly index: number;
  readonly txBytes: Uint8Array;
  readonly result: TxResult;
  /** RFC 6962 audit path of the tx among the block's txs, against header.txRoot. */
  readonly proof: Uint8Array[];
  readonly treeSize: number;
  readonly header: BlockHeader;
}

/** What the chain tells the node's metrics: how long each stage took, and what a commit changes. */
export interface ChainObserver {
  stage?(stage: "execute" | "stateTree" | "fsync", seconds: number): void;
  /**
   * Just before a block's writes are stored, while `previous` still reads the values they
   * replace; what it returns runs once the commit is durable.
   */
  committing?(writes: readonly StateWriteEntry[], previous: StateReader): (() => void) | undefined;
}

/**
 * The node's chain: committed blocks and state in the store, and the deterministic path from
 * a list of transactions to a committed block (execute, state root, header, commit).
 */
export class Chain {
  readonly state: StateReader;
  /** The state tree's nodes, read from the store. */
  private readonly nodes: SmtNodeStore;
  /** Transactions this node verified at admission (see VerifiedTxs). */
  readonly verifiedTxs = new VerifiedTxs();
  private head: Block | undefined;
  observer: ChainObserver = {};
  private readonly hash: (data: Uint8Array) => Uint8Array;
  /** The state-tree nodes the last committed block added (content-addressed, so always valid). */
  private lastBlockNodes: ReadonlyMap<string, Uint8Array> = new Map();

  private constructor(
    readonly store: ChainStorage,
    readonly suite: Suite,
    readonly genesis: Genesis,
  ) {
    this.state = { get: (key) => store.getState(key) };
    // The last block's new nodes are most of what the next block's tree update reads (the
    // upper levels change with every block): served from memory before the store.
    this.nodes = { get: (hash) => this.lastBlockNodes.get(toHex(hash)) ?? store.getStateNode(hash) };
    this.hash = (data) => suite.hash(data);
  }

  /** Opens the chain, writing the genesis block (height 0) into an empty store. */
  static open(store: ChainStorage, suite: Suite, genesis: Genesis): Chain {
    const chain = new Chain(store, suite, genesis);
    if (store.head() === undefined) chain.commitGenesis();
    else chain.checkGenesis();
    return chain;
  }

  get height(): bigint {
    const head = this.store.head();
    if (head === undefined) throw new StorageError("STORE_EMPTY", "the chain has no genesis block");
    return head;
  }

  blockAt(height: bigint): Block | undefined {
    const bytes = this.store.getBlock(height);
    return bytes === undefined ? undefined : decodeBlock(bytes);
  }

  /**
   * The last committed block, decoded once per height: admission asks for its header on every
   * transaction, and consensus for its commit certificate on every proposal.
   */
  latestBlock(): Block {
    const height = this.height;
    if (this.head === undefined || this.head.header.height !== height) {
      const head = this.blockAt(height);
      if (head === undefined)
        throw new StorageError("STORE_EMPTY", `the store has no block at its height ${height}`);
      this.head = head;
    }
    return this.head;
  }

  latestHeader(): BlockHeader {
    return this.latestBlock().header;
  }

  resultsAt(height: bigint): TxResult[] | undefined {
    const bytes = this.store.getResults(height);
    return bytes === undefined ? undefined : decode(txResultsCodec, bytes);
  }

  validators(): Validator[] {
    return this.namedValidators().map(({ publicKey, power }) => ({ publicKey, power }));
  }

  /** The validators of the next height, with their names (the set in committed state). */
  namedValidators(): GenesisValidator[] {
    const validators = readValidators(this.state);
    if (validators.length === 0) throw new StorageError("STATE_NO_VALIDATORS", "no validator set in state");
    return validators;
  }

  accountNonce(address: Uint8Array): bigint {
    return readAccount(this.state, address).nonce;
  }

  /**
   * Executes `txs` on top of the committed head as block height+1 at consensus time `timeMs`,
   * carrying `lastCommit` (by default the certificate stored with the head) as the head's
   * certificate. With `fill` (a proposer's own block) the block takes `txs` only up to the
   * work limit (executeBlock) and holds those it took.
   */
  prepareBlock(
    candidates: Uint8Array[],
    timeMs: bigint,
    proposer: Uint8Array,
    lastCommit: CommitCertificate | undefined = this.latestBlock().commit,
    options: { fill?: boolean } = {},
  ): PreparedBlock {
    const previous = this.latestHeader();
    const height = previous.height + 1n;
    const env = { chainId: this.genesis.chainId, height, timeMs };
    const started = performance.now();
    const outcome = executeBlock(this.suite, this.state, env, candidates, this.verifiedTxs, options);
    const txs =
      outcome.txHashes.length === candidates.length
        ? candidates
        : candidates.slice(0, outcome.txHashes.length);
    const executed = performance.now();
    const batch = applyBatch(this.nodes, this.hash, previous.stateRoot, outcome.writes, {
      superseded: this.store.indexesStaleNodes(),
    });
    this.observer.stage?.("execute", (executed - started) / 1000);
    this.observer.stage?.("stateTree", (performance.now() - executed) / 1000);
    const validatorsHash = validatorSetHash(this.hash, this.validators());
    // Each result encoded once: hashed into the root here, stored as they are at commit.
    const encodedResults = outcome.results.map((r) => encode(txResultCodec, r));
    const header: BlockHeader = {
      chainId: this.genesis.chainId,
      height,
      timeMs,
      previousHash: blockHash(this.suite, previous),
      lastCommitHash: lastCommitHash(this.suite, lastCommit),
      txRoot: merkleRoot(this.hash, txs),
      resultsRoot: merkleRoot(this.hash, encodedResults),
      stateRoot: batch.root,
      proposer,
      validatorSetHash: validatorsHash,
      nextValidatorSetHash: this.nextValidatorSetHash(outcome.writes) ?? validatorsHash,
    };
    return {
      block: { header, txs, lastCommit, commit: undefined },
      hash: blockHash(this.suite, header),
      outcome,
      stateNodes: batch.newNodes,
      staleNodes: batch.staleNodes,
      resultsBytes: encodeTxResults(encodedResults),
    };
  }

  /**
   * The time the next block must carry (CometBFT's BFT time): the power-weighted median of
   * the precommit timestamps in `lastCommit`, the head's certificate that the block carries;
   * right after genesis, which has no certificate, genesis time + 1 ms. Undefined when
   * `lastCommit` is missing or present where it cannot be, or no vote in it counts.
   */
  nextBlockTime(lastCommit: CommitCertificate | undefined): bigint | undefined {
    const head = this.latestHeader();
    if (head.height === 0n) return lastCommit === undefined ? head.timeMs + 1n : undefined;
    if (lastCommit === undefined) return undefined;
    const votes: Vote[] = lastCommit.signatures.map((s) => ({
      type: "precommit",
      height: Number(lastCommit.height),
      round: lastCommit.round,
      valueId: toHex(lastCommit.blockHash),
      validator: toHex(s.validator),
      timestampMs: Number(s.timestampMs),
    }));
    const signers = this.validatorsAt(lastCommit.height).map((v) => ({
      id: toHex(v.publicKey),
      power: v.power,
    }));
    const time = bftTime(votes, new ValidatorSet(signers));
    return time === undefined ? undefined : BigInt(time);
  }

  /**
   * The checks of a block's lastCommit: the header commits to it, it certifies the head under
   * the head's validators (none after genesis), and the block's time is its BFT time.
   */
  private checkLastCommit(header: BlockHeader, lastCommit: CommitCertificate | undefined): void {
    const head = this.latestHeader();
    const height = header.height.toString();
    if (!bytesEqual(header.lastCommitHash, lastCommitHash(this.suite, lastCommit)))
      throw new InvalidBlockError(
        "BLOCK_LAST_COMMIT_MISMATCH",
        `block ${height} carries a last commit that its header does not commit to`,
        { height },
      );
    // The certificate stored with the head was verified (or assembled from verified votes) when
    // it was stored: the same bytes again need no second check (block sync meets each twice).
    if (lastCommit !== undefined && !sameCommit(this.latestBlock().commit, lastCommit)) {
      const check = verifyCommit(this.suite, head, lastCommit, this.validatorsAt(head.height));
      if (!check.ok)
        throw new InvalidBlockError("BLOCK_BAD_LAST_COMMIT", `block ${height}: ${check.reason}`, { height });
    }
    const expected = this.nextBlockTime(lastCommit);
    if (expected !== header.timeMs)
      throw new InvalidBlockError(
        "BLOCK_BAD_TIME",
        `block ${height} has time ${header.timeMs}, the BFT time of its last commit is ${expected ?? "none"}`,
        { height, timeMs: header.timeMs.toString(), expected: expected?.toString() ?? "" },
      );
  }

  /** The hash of the validator set a block's writes install, if they change it. */
  private nextValidatorSetHash(writes: readonly StateWriteEntry[]): Uint8Array | undefined {
    const write = writes.find((w) => bytesEqual(w.key, VALIDATORS_KEY));
    if (write?.value === undefined) return undefined;
    const next = decode(validatorSetCodec, write.value);
    return validatorSetHash(this.hash, next);
  }

  /** The validators of a committed height (or of the next one): who signed its certificate. */
  validatorsAt(height: bigint): Validator[] {
    return validatorsForHeight(this.state, height).map(({ publicKey, power }) => ({ publicKey, power }));
  }

  /** A validator set that governance scheduled for a later height, if any. */
  scheduledValidatorSet() {
    return readScheduledSet(this.state);
  }

  /**
   * Re-executes a block someone else built and checks it: it carries a valid certificate of
   * the head that its header commits to, its time is that certificate's BFT time, and every
   * root and field of its header is what this node computes; throws InvalidBlockError if not.
   */
  executeBlock(
    header: BlockHeader,
    txs: Uint8Array[],
    lastCommit: CommitCertificate | undefined,
  ): PreparedBlock {
    const latest = this.latestHeader();
    if (header.chainId !== this.genesis.chainId || header.height !== latest.height + 1n) {
      throw new InvalidBlockError(
        "BLOCK_WRONG_HEIGHT",
        `block ${header.height} does not follow ${latest.height}`,
        {
          height: header.height.toString(),
        },
      );
    }
    this.checkLastCommit(header, lastCommit);
    const prepared = this.prepareBlock(txs, header.timeMs, header.proposer, lastCommit);
    if (!bytesEqual(prepared.hash, blockHash(this.suite, header))) {
      const mismatched = (Object.keys(header) as Array<keyof BlockHeader>).filter(
        (field) => String(header[field]) !== String(prepared.block.header[field]),
      );
      throw new InvalidBlockError(
        "BLOCK_HEADER_MISMATCH",
        `block ${header.height} does not match its re-execution: ${mismatched.join(", ")}`,
        { height: header.height.toString(), fields: mismatched },
      );
    }
    return prepared;
  }

  /**
   * The prepared block with a round-0 commit certificate: each signer's precommit, all at
   * `timestampMs` (the solo engine's certificate has one signer; a built chain has them all).
   */
  signCommit(prepared: PreparedBlock, signers: readonly KeyPair[], timestampMs: bigint): Block {
    const { header } = prepared.block;
    const message = commitVoteSignBytes(header.chainId, header.height, 0, prepared.hash, timestampMs);
    return {
      ...prepared.block,
      commit: {
        height: header.height,
        round: 0,
        blockHash: prepared.hash,
        signatures: signers.map((key) => ({
          validator: key.publicKey.bytes,
          timestampMs,
          signature: this.suite.sign(key.privateKey, message),
        })),
      },
    };
  }

  /**
   * Commits a prepared block with its certificate, atomically with all it changed. The head is
   * stored again with the certificate the new block carries, if this node held another, so
   * every node holds the same certificate for every block but the newest.
   */
  commit(prepared: PreparedBlock, certified: Block): void {
    const { lastCommit } = certified;
    const head = certified.header.height === 0n ? undefined : this.latestBlock();
    const canonicalHead =
      head === undefined || lastCommit === undefined || sameCommit(head.commit, lastCommit)
        ? undefined
        : { ...head, commit: lastCommit };
    const afterCommit = this.observer.committing?.(prepared.outcome.writes, this.state);
    const started = performance.now();
    this.store.commit({
      ...(canonicalHead === undefined ? {} : { previousBlockBytes: encodeBlock(canonicalHead) }),
      height: certified.header.height,
      blockHash: prepared.hash,
      blockBytes: encodeBlock(certified),
      resultsBytes: prepared.resultsBytes,
      txHashes: prepared.outcome.txHashes,
      stateWrites: prepared.outcome.writes,
      stateNodes: prepared.stateNodes,
      staleNodes: prepared.staleNodes,
      ...this.pinnedNodes(prepared, certified.header.stateRoot),
      stateRoot: certified.header.stateRoot,
    });
    this.lastBlockNodes = prepared.stateNodes;
    // The block as stored is the new head: latestBlock() need not read and decode it again.
    this.head = certified;
    this.observer.stage?.("fsync", (performance.now() - started) / 1000);
    afterCommit?.();
  }

  /**
   * Where a block writes the validator set (genesis, and each change), the set's path in its
   * root stays stored for good, so the set can be proved at that height on a pruning node: a
   * chain check (the console's, a snapshot's) reads it there, at every change from genesis on.
   */
  private pinnedNodes(prepared: PreparedBlock, root: Uint8Array): { pinnedNodes?: string[] } {
    if (!prepared.outcome.writes.some((w) => bytesEqual(w.key, VALIDATORS_KEY))) return {};
    const nodes: SmtNodeStore = {
      get: (hash) => prepared.stateNodes.get(toHex(hash)) ?? this.nodes.get(hash),
    };
    return { pinnedNodes: nodesOnPath(nodes, this.hash, root, VALIDATORS_KEY) };
  }

  /** A committed transaction with its result and inclusion proof. */
  txRecord(txHash: Uint8Array): TxRecord | undefined {
    const location = this.store.locateTx(txHash);
    if (location === undefined) return undefined;
    const block = this.blockAt(location.height) as Block;
    const results = this.resultsAt(location.height) as TxResult[];
    return {
      height: location.height,
      index: location.index,
      txBytes: block.txs[location.index] as Uint8Array,
      result: results[location.index] as TxResult,
      proof: inclusionProof(this.hash, block.txs, location.index),
      treeSize: block.txs.length,
      header: block.header,
    };
  }

  /**
   * The value of a state key at a committed height, with a proof against that height's state
   * root. A height whose root a pruning node no longer keeps whole is refused (STATE_PRUNED,
   * with the oldest height it keeps), except the validator set where it changed (pinned).
   */
  proveState(
    key: Uint8Array,
    height: bigint,
  ): { value: Uint8Array | undefined; proof: StateProof; root: Uint8Array } {
    const root = this.store.stateRootAt(height);
    if (root === undefined) {
      if (height <= this.height)
        throw new StorageError(
          "STATE_NOT_HELD",
          `the state at height ${height} is not held here: this node started from a snapshot above it`,
          { height: height.toString() },
        );
      throw new StorageError("HEIGHT_NOT_FOUND", `no committed block at height ${height}`, {
        height: height.toString(),
      });
    }
    const availableFrom = this.store.stateAvailableFrom();
    if (height < availableFrom && !(bytesEqual(key, VALIDATORS_KEY) && this.store.hasPinnedRoot(height)))
      throw statePruned(height, availableFrom);
    const proof = proveAt(this.nodes, this.hash, root, key);
    const value = getAt(this.nodes, this.hash, root, key);
    return { value, proof, root };
  }

  /**
   * The genesis block (height 0) and the state it writes, computed from the genesis file alone;
   * once per genesis object and suite (checking its certificates is slow, and a simulation opens
   * the chain of every node on every restart).
   */
  private genesisBlock(): PreparedBlock & { writes: StateWriteEntry[] } {
    const bySuite =
      genesisBlocks.get(this.genesis) ?? new Map<Suite, PreparedBlock & { writes: StateWriteEntry[] }>();
    genesisBlocks.set(this.genesis, bySuite);
    let block = bySuite.get(this.suite);
    if (block === undefined) {
      block = this.computeGenesisBlock();
      bySuite.set(this.suite, block);
    }
    return block;
  }

  private computeGenesisBlock(): PreparedBlock & { writes: StateWriteEntry[] } {
    const overlay = new StateOverlay({ get: () => undefined });
    writeGenesisState(overlay, this.genesis);
    const writes = overlay.sortedWrites();
    // Built over the empty tree, so no node is read from the store.
    const batch = applyBatch(new MemoryNodeStore(), this.hash, EMPTY_ROOT, writes);
    const validatorsHash = validatorSetHash(this.hash, this.genesis.validators);
    const header: BlockHeader = {
      chainId: this.genesis.chainId,
      height: 0n,
      timeMs: this.genesis.genesisTimeMs,
      previousHash: ZERO_HASH,
      lastCommitHash: lastCommitHash(this.suite, undefined),
      txRoot: merkleRoot(this.hash, []),
      resultsRoot: merkleRoot(this.hash, []),
      stateRoot: batch.root,
      proposer: new Uint8Array(0),
      validatorSetHash: validatorsHash,
      nextValidatorSetHash: validatorsHash,
    };
    return {
      block: { header, txs: [], lastCommit: undefined, commit: undefined },
      hash: blockHash(this.suite, header),
      outcome: { results: [], txHashes: [], writes },
      stateNodes: batch.newNodes,
      staleNodes: batch.staleNodes,
      resultsBytes: encode(txResultsCodec, []),
      writes,
    };
  }

  private commitGenesis(): void {
    const genesis = this.genesisBlock();
    this.commit(genesis, genesis.block);
  }

  /** Refuses to run a store made from another genesis file (a config mistake that would fork). */
  private checkGenesis(): void {
    const stored = this.blockAt(0n);
    const expected = this.genesisBlock();
    if (stored === undefined || !bytesEqual(blockHash(this.suite, stored.header), expected.hash)) {
      throw new StorageError(
        "GENESIS_MISMATCH",
        "the data directory holds a chain made from another genesis file",
      );
    }
  }
}

/** The typed refusal of a read of a root that pruning no longer keeps whole. */
export function statePruned(height: bigint, availableFrom: bigint): StorageError {
  return new StorageError(
    "STATE_PRUNED",
    `the state at height ${height} is pruned on this node; it keeps the state from height ${availableFrom} (ask an archive node for older heights)`,
    { height: height.toString(), oldestAvailable: availableFrom.toString() },
  );
}

function sameCommit(a: CommitCertificate | undefined, b: CommitCertificate): boolean {
  return a !== undefined && bytesEqual(encode(commitCertificateCodec, a), encode(commitCertificateCodec, b));
}
