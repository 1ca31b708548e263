import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { blockWorkTotal } from "../../src/app/block-work.js";
import type { BlockOutcome } from "../../src/app/executor.js";
import { keys, readCount } from "../../src/app/marketing/records.js";
import type { KeyPair, SuiteId } from "../../src/crypto/suite.js";
import { fromHex } from "../../src/ledger/bytes.js";
import { LedgerNode } from "../../src/node/node.js";
import { type PruningOptions, StatePruner } from "../../src/node/state-pruner.js";
import { type DemoParty, seedDemoGenesis } from "../../src/ops/demo-genesis.js";
import { nodeHomes } from "../../src/ops/network-up.js";
import type { ChainStore } from "../../src/storage/chain-store.js";
import type { CommitSource, ObservedResult } from "./observer.js";
import { SeedState } from "./seed-state.js";
import type { QueuedTx, TxSink } from "./submitter.js";

const CLI = join(new URL("../../", import.meta.url).pathname, "src/cli/main.js");

/**
 * One organisation's validator, alone, driven in this process without consensus, network or
 * HTTP: transactions queued in one turn of the event loop become one block (at most
 * `blockTxs`), executed and committed (state tree, one fsynced LMDB transaction) by the node's
 * own chain, with their signatures taken as checked, as a node does for what it admitted. The
 * workloads run against it unchanged, for execution-only figures and fast deterministic
 * pre-seeding of large states.
 */
export class LocalChain implements TxSink, CommitSource {
  private pending: QueuedTx[] = [];
  private readonly waiters = new Map<string, Array<(r: ObservedResult) => void>>();
  private scheduled = false;
  /**
   * Every block committed: its milliseconds of work (wall, and this process's CPU, which hardly
   * moves when other work shares the cores), of that CPU its commit's (Chain.commit: the block's
   * encodings and its one fsynced LMDB transaction, tree nodes included; 0 while seeding), its
   * transactions and the orders its end-block hook completed, and its work units
   * (src/app/block-work.ts).
   */
  readonly blocks: {
    ms: number;
    cpuMs: number;
    commitCpuMs: number;
    /** Wall milliseconds of the block's execution and of its state-tree update (the chain's stages). */
    executeMs: number;
    treeMs: number;
    /** Tree nodes the block read from the store (not the last block's, which the chain holds), and wrote. */
    nodeReads: number;
    newNodes: number;
    txs: number;
    completions: number;
    work: number;
  }[] = [];
  private lastCommitCpuMs = 0;
  /** The chain's stages and the store's node reads in the block under way. */
  private readonly current = { executeMs: 0, treeMs: 0, nodeReads: 0, newNodes: 0 };
  /** The node's pruning job, as the node runs it after each commit (off the commit path). */
  private readonly pruner: StatePruner;
  /** What the pruner did: batches, nodes deleted, and their wall milliseconds (not in the blocks' figures). */
  readonly pruning = { batches: 0, deleted: 0, ms: 0 };
  /** While seeding: blocks are executed only (see startSeeding). */
  private seed: SeedState | undefined;

  private constructor(
    private readonly node: LedgerNode,
    readonly keys: ReadonlyMap<string, KeyPair>,
    private readonly root: string,
    /** Most transactions per block (pre-seeding may raise it: bigger blocks share the tree's upper levels). */
    public blockTxs: number,
  ) {
    const { chain } = node;
    const observer = chain.observer;
    chain.observer = {
      ...observer,
      stage: (stage, seconds) => {
        observer.stage?.(stage, seconds);
        if (stage === "execute") this.current.executeMs += seconds * 1000;
        else if (stage === "stateTree") this.current.treeMs += seconds * 1000;
      },
    };
    // Counted where the chain reads a node that is not among the last block's.
    const store = this.store;
    const getStateNode = store.getStateNode.bind(store);
    store.getStateNode = (...args: Parameters<ChainStore["getStateNode"]>) => {
      this.current.nodeReads++;
      return getStateNode(...args);
    };
    this.pruner = new StatePruner(
      this.store,
      node.config.statePruning,
      (error) => {
        throw error;
      },
      (progress, seconds) => {
        this.pruning.batches++;
        this.pruning.deleted += progress.deleted;
        this.pruning.ms += seconds * 1000;
      },
    );
  }

  /**
   * `statePruning` replaces the node config's (default: the node's own default); `keepHeights`
   * 0 is an archive node.
   */
  static async open(
    suiteId: SuiteId,
    parties: readonly DemoParty[],
    blockTxs = 1_000,
    statePruning?: PruningOptions,
  ): Promise<LocalChain> {
    const root = mkdtempSync(join(tmpdir(), "mkl-local-chain-"));
    const dir = join(root, "net");
    execFileSync(
      process.execPath,
      [CLI, "network", "init", "--orgs", "1", "--suite", suiteId, "--out", dir],
      {
        stdio: "pipe",
      },
    );
    const keys = seedDemoGenesis(dir, parties);
    const home = nodeHomes(dir)[0] as string;
    // No p2p listener: the chain is driven here, and a fixed port would clash with any other
    // local chain on the machine (benches run side by side).
    const configPath = join(home, "config.json");
    const {
      p2p: _p2p,
      peers: _peers,
      ...config
    } = JSON.parse(readFileSync(configPath, "utf8")) as Record<string, unknown>;
    writeFileSync(
      configPath,
      JSON.stringify({ ...config, ...(statePruning === undefined ? {} : { statePruning }) }),
    );
    const node = await LedgerNode.open(home, pino({ level: "silent" }));
    return new LocalChain(node, keys, root, blockTxs);
  }

  /** The node's LMDB store. */
  get store(): ChainStore {
    return this.node.chain.store as ChainStore;
  }

  /** Where the node's LMDB store lives. */
  get dataDir(): string {
    return this.node.config.dataDir;
  }

  get height(): bigint {
    return this.node.chain.height;
  }

  enqueue(tx: QueuedTx): void {
    this.node.chain.verifiedTxs.add(fromHex(tx.hashHex));
    this.pending.push(tx);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.pump());
    }
  }

  onCommit(hash: string, callback: (result: ObservedResult) => void): void {
    const waiting = this.waiters.get(hash);
    if (waiting) waiting.push(callback);
    else this.waiters.set(hash, [callback]);
  }

  get backlog(): number {
    return this.pending.length;
  }

  /** Transactions a block left out, back at the head of the queue (in their order). */
  private putBack(txs: QueuedTx[]): void {
    this.pending.unshift(...txs);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.pump());
    }
  }

  private pump(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    this.commitBlock(this.pending.splice(0, this.blockTxs));
    if (this.pending.length > 0 && !this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.pump());
    }
  }

  /** Orders waiting in the chain's due queue (delivered, their return window not yet passed or not yet completed). */
  dueOrders(): bigint {
    return readCount(this.node.chain.state, keys.dueSize());
  }

  /** Commits a block with no transactions: only the end-of-block work runs. */
  commitEmptyBlock(): void {
    this.commitBlock([]);
  }

  private commitBlock(candidates: QueuedTx[]): void {
    Object.assign(this.current, { executeMs: 0, treeMs: 0, nodeReads: 0, newNodes: 0 });
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const bytes = candidates.map((t) => t.bytes);
    const outcome = this.seed === undefined ? this.executeAndCommit(bytes) : this.seed.execute(bytes);
    // Filled as a proposer fills its block (up to the work limit); what it left out goes first next.
    const txs = candidates.slice(0, outcome.txHashes.length);
    if (txs.length < candidates.length) this.putBack(candidates.slice(txs.length));
    const ms = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    if (this.seed === undefined) this.pruner.committed(this.node.chain.height);
    const completions = (outcome.endBlockEvents ?? []).filter((e) => e.type === "orderCompleted").length;
    const work = outcome.work;
    this.blocks.push({
      ms,
      cpuMs: (cpu.user + cpu.system) / 1000,
      commitCpuMs: this.seed === undefined ? this.lastCommitCpuMs : 0,
      ...this.current,
      txs: txs.length,
      completions,
      work: work === undefined ? 0 : blockWorkTotal(work),
    });
    txs.forEach((tx, i) => {
      const r = outcome.results[i];
      const result: ObservedResult = {
        code: r?.code ?? "UNKNOWN",
        events: (r?.events ?? []).map((e) => ({
          type: e.type,
          attributes: Object.fromEntries(e.attributes.map((a) => [a.key, a.value])),
        })),
      };
      const waiting = this.waiters.get(tx.hashHex);
      this.waiters.delete(tx.hashHex);
      for (const w of waiting ?? []) w(result);
    });
  }

  /** Executes the block and commits it through the node's chain (state tree, one fsynced transaction). */
  private executeAndCommit(txs: Uint8Array[]): BlockOutcome {
    const { chain, key } = this.node;
    const timeMs = chain.nextBlockTime(chain.latestBlock().commit) as bigint;
    const prepared = chain.prepareBlock(txs, timeMs, key.publicKey.bytes, undefined, { fill: true });
    this.current.newNodes = prepared.stateNodes.size;
    const certified = chain.signCommit(prepared, [key], timeMs + 1n);
    const before = process.cpuUsage();
    chain.commit(prepared, certified);
    const cpu = process.cpuUsage(before);
    this.lastCommitCpuMs = (cpu.user + cpu.system) / 1000;
    return prepared.outcome;
  }

  /**
   * From now on blocks are executed only and their state seeded (SeedState), from genesis, until
   * finishSeeding builds the tree once and the chain goes on from the last seeded block.
   */
  startSeeding(): void {
    this.seed = new SeedState(this.node.chain, this.store, this.node.key, join(this.root, "seed"));
  }

  /** Builds the seeded state's tree and restores the store to it; where the seed's CPU went. */
  async finishSeeding(): Promise<SeedState["figures"]> {
    await this.drained();
    const seed = this.seed;
    if (seed === undefined) throw new Error("local chain: not seeding");
    this.seed = undefined;
    try {
      seed.finish();
      return seed.figures;
    } finally {
      await seed.close();
    }
  }

  /** Resolves once nothing is queued any more (follow-ups queued by callbacks included). */
  async drained(): Promise<void> {
    while (this.pending.length > 0 || this.scheduled || !this.pruner.idle)
      await new Promise((resolve) => setImmediate(resolve));
  }

  async close(): Promise<void> {
    this.pruner.stop();
    await this.node.stop();
    rmSync(this.root, { recursive: true, force: true });
  }
}
