import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { genesisSchema } from "../src/app/genesis.js";
import { getSuite } from "../src/crypto/index.js";
import type { KeyPair, Suite, SuiteId } from "../src/crypto/suite.js";
import { fromHex } from "../src/ledger/bytes.js";
import { Chain } from "../src/node/chain.js";
import { defaultVerifyWorkers, HOME_FILES, parseWith } from "../src/node/config.js";
import { readKeyPairFile } from "../src/node/key-files.js";
import { type NodeProcessInfo, stopChild } from "../src/ops/network-up.js";
import { addressOfKey, MarketLedgerClient, transferOp } from "../src/sdk/index.js";
import { ChainStore } from "../src/storage/chain-store.js";
import type { BenchRow } from "./table.js";
import { CpuProfiles, type HotFunction } from "./workload/cpu-profile.js";
import { initBenchNetwork, startBenchNode } from "./workload/fixture.js";
import {
  cpuSecondsOf,
  type ProcessFigures,
  ProcessSampler,
  peakRssRow,
  threadCpuSeconds,
} from "./workload/proc-stats.js";
import { LoadSigner } from "./workload/signer.js";
import { transferParties } from "./workload/transfer.js";

const VALIDATORS = 4;
/** Senders of the chain's transfers (each sender's nonces in order, block after block). */
const SENDERS = 128;
const POLL_MS = 250;
/**
 * The syncing node must gain a height within this long, or the run fails: long enough for a
 * peer's answer of 64 blocks of a thousand transactions on a loaded machine.
 */
const STALL_MS = 180_000;

export interface CatchUpOptions {
  readonly blocks: number;
  readonly txsPerBlock: number;
  /** The live network's committed tx/s and block interval in this run, if measured. */
  readonly live?: { readonly txPerSecond: number; readonly blockIntervalMs: number };
  /** Profile the syncing node's CPU (its top functions by self time come back as `hot`). */
  readonly cpuProfile?: boolean;
  /** The syncing node's `verifyWorkers` (0: its event loop verifies every signature; unset: the node's default). */
  readonly verifyWorkers?: number;
}

export interface CatchUpBench {
  readonly hot?: readonly HotFunction[];
  readonly rows: readonly BenchRow[];
}

/**
 * Catch-up: a node started with an empty store syncs a chain of `blocks` blocks (each with
 * `txsPerBlock` transfers) from three validators that hold it, by the node's own block sync
 * (verify each certificate, re-execute, commit). Reported: blocks/s and tx/s replayed, beside
 * the live network's rate when this run measured it (the target is >= 5 x live).
 *
 * The chain is built beforehand in this process through the chain's own executor and store,
 * every block signed by all four validators' keys (a real commit certificate, as consensus
 * makes), one block per millisecond of block time after genesis.
 */
export async function runCatchUpBench(suiteId: SuiteId, options: CatchUpOptions): Promise<CatchUpBench> {
  const suite = getSuite(suiteId);
  const net = await initBenchNetwork(suiteId, transferParties(), VALIDATORS);
  const profiles = options.cpuProfile ? new CpuProfiles(`${suiteId}-catchup`) : undefined;
  const nodes: Array<ReturnType<typeof startBenchNode>> = [];
  let rows: BenchRow[];
  try {
    const builtMs = await buildChain(suite, net.homes, net.keys, options);
    const [first, ...others] = net.homes as [string, ...string[]];
    const behind = others.pop() as string;
    const configPath = join(behind, "config.json");
    const config = JSON.parse(readFileSync(configPath, "utf8"));
    const workers = options.verifyWorkers === undefined ? {} : { verifyWorkers: options.verifyWorkers };
    writeFileSync(configPath, JSON.stringify({ ...config, ...workers }));
    for (const home of others) cpSync(join(first, "data"), join(home, "data"), { recursive: true });
    for (const home of [first, ...others]) nodes.push(startBenchNode(home));
    await Promise.all(nodes.map((n) => n.apiUrl));
    const syncing = startBenchNode(behind, profiles?.dir);
    nodes.push(syncing);
    const sampler = new ProcessSampler([{ name: "syncing", pid: syncing.pid }]);
    sampler.start();
    const client = new MarketLedgerClient(await syncing.apiUrl);
    // The replay is timed from the node's start-up done (its API answers), in wall and CPU time.
    const started = replayMark(syncing.pid);
    await reachHeight(syncing, client, BigInt(options.blocks));
    const ended = replayMark(syncing.pid);
    const [figures] = sampler.stop();
    const replay = {
      seconds: (ended.at - started.at) / 1000,
      cpuSeconds: ended.cpuSeconds - started.cpuSeconds,
      mainThreadCpuSeconds: ended.mainThreadCpuSeconds - started.mainThreadCpuSeconds,
      busiestOtherThreadCpuSeconds: busiestOtherThread(syncing.pid, started.threads, ended.threads),
    };
    rows = rowsOf(suiteId, options, replay, figures as ProcessFigures, builtMs);
  } finally {
    await Promise.all(nodes.map((n) => stopChild(n.child)));
    rmSync(net.root, { recursive: true, force: true });
  }
  // The profile is written when the node exits, so it is read once every node has stopped.
  return { rows, ...(profiles ? { hot: profiles.collect() } : {}) };
}

interface Replay {
  readonly seconds: number;
  /** CPU time of the syncing node's every thread (verification workers, GC and I/O threads too). */
  readonly cpuSeconds: number;
  /** CPU time of its main thread (the event loop, which executes every block). */
  readonly mainThreadCpuSeconds: number;
  /** CPU time of its busiest other thread (with verification workers, a worker). */
  readonly busiestOtherThreadCpuSeconds: number;
}

interface ReplayMark {
  readonly at: number;
  readonly cpuSeconds: number;
  readonly mainThreadCpuSeconds: number;
  readonly threads: ReadonlyMap<number, number>;
}

function replayMark(pid: number): ReplayMark {
  return {
    at: performance.now(),
    cpuSeconds: cpuSecondsOf(pid) ?? 0,
    mainThreadCpuSeconds: cpuSecondsOf(pid, pid) ?? 0,
    threads: threadCpuSeconds(pid),
  };
}

/** The most CPU time any thread but the main one used between two marks. */
function busiestOtherThread(
  pid: number,
  started: ReadonlyMap<number, number>,
  ended: ReadonlyMap<number, number>,
): number {
  let most = 0;
  for (const [thread, seconds] of ended)
    if (thread !== pid) most = Math.max(most, seconds - (started.get(thread) ?? 0));
  return most;
}

/** Polls until `node` is at `height`; throws, naming the height it reached, if it exits or stalls. */
async function reachHeight(node: NodeProcessInfo, client: MarketLedgerClient, height: bigint): Promise<void> {
  let reached = 0n;
  let progressedAt = performance.now();
  for (;;) {
    const { exitCode, signalCode } = node.child;
    if (exitCode !== null || signalCode !== null)
      throw new Error(
        `catch-up: the syncing node exited (${exitCode ?? signalCode}) at height ${reached} of ${height}`,
      );
    const now = await client.status().then(
      (status) => BigInt(status.height),
      () => reached,
    );
    if (now >= height) return;
    if (now > reached) {
      reached = now;
      progressedAt = performance.now();
    } else if (performance.now() - progressedAt > STALL_MS) {
      throw new Error(
        `catch-up: the syncing node stayed at height ${reached} of ${height} for ${STALL_MS / 1000} s`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function rowsOf(
  suiteId: SuiteId,
  options: CatchUpOptions,
  replay: Replay,
  syncing: ProcessFigures,
  builtMs: number,
): BenchRow[] {
  const verifyWorkers = options.verifyWorkers ?? defaultVerifyWorkers();
  const workers = ` (${verifyWorkers} verification worker${verifyWorkers === 1 ? "" : "s"})`;
  const label = `catch-up ${suiteId}, an empty node${workers} syncs ${options.blocks} blocks of ${options.txsPerBlock} transfers`;
  const txs = options.blocks * options.txsPerBlock;
  const blocksPerS = options.blocks / replay.seconds;
  const txPerS = txs / replay.seconds;
  const live = options.live;
  const liveBlocksPerS = live === undefined ? undefined : 1000 / live.blockIntervalMs;
  const perCpu = (cpuSeconds: number) => 1 / Math.max(0.01, cpuSeconds);
  return [
    {
      name: `${label}: blocks/s replayed (${replay.seconds.toFixed(1)} s from its start-up done; chain built in ${(builtMs / 1000).toFixed(0)} s)`,
      value: blocksPerS,
      unit: "blocks/s",
      ...(liveBlocksPerS === undefined
        ? {}
        : {
            reference: liveBlocksPerS,
            limit: "live blocks/s (transfer, same run) x 5",
            ratio: blocksPerS / liveBlocksPerS,
          }),
    },
    {
      // Hardly moved by other work on the cores: what the node's own replay costs.
      name: `${label}: blocks replayed per CPU second of the syncing node (${replay.cpuSeconds.toFixed(1)} CPU s, all threads)`,
      value: options.blocks * perCpu(replay.cpuSeconds),
      unit: "blocks/s",
    },
    {
      name: `${label}: transactions replayed per CPU second of the syncing node (all threads)`,
      value: txs * perCpu(replay.cpuSeconds),
      unit: "tx/s",
    },
    {
      name: `${label}: main-thread CPU time per block replayed`,
      value: (replay.mainThreadCpuSeconds / options.blocks) * 1000,
      unit: "ms",
    },
    {
      name: `${label}: CPU time of its busiest other thread${verifyWorkers > 0 ? " (a verification worker)" : ""}, per transaction`,
      value: (replay.busiestOtherThreadCpuSeconds / txs) * 1e6,
      unit: "µs",
    },
    {
      name: `${label}: CPU time of its other threads (GC, I/O), per transaction`,
      value:
        ((replay.cpuSeconds - replay.mainThreadCpuSeconds - replay.busiestOtherThreadCpuSeconds) / txs) * 1e6,
      unit: "µs",
    },
    {
      // With verification workers on another core, the event loop is the replay's critical path.
      name: `${label}: transactions replayed per CPU second of its main thread (${replay.mainThreadCpuSeconds.toFixed(1)} CPU s)`,
      value: txs * perCpu(replay.mainThreadCpuSeconds),
      unit: "tx/s",
    },
    peakRssRow(`${label}: the syncing node`, syncing),
    {
      name: `${label}: tx/s replayed`,
      value: txPerS,
      unit: "tx/s",
      ...(live === undefined
        ? {}
        : {
            reference: live.txPerSecond,
            limit: "live committed tx/s (transfer, same run) x 5",
            ratio: txPerS / live.txPerSecond,
          }),
    },
  ];
}

/**
 * Blocks the builder commits in one LMDB transaction (one fsync), as block sync commits a peer's
 * batch: up to 256, or fewer to keep one transaction's writes near BUILD_BATCH_TXS.
 */
const BUILD_BATCH_BLOCKS = 256;
const BUILD_BATCH_TXS = 8_192;

/**
 * Writes the chain into the first home's store; returns how long it took (ms). Streamed: each
 * block's transactions are signed when it is built and dropped once it is committed. They are
 * marked verified as the bench signed them (the syncing node verifies every one), and blocks
 * are committed several to a durable transaction instead of one fsync each.
 */
export async function buildChain(
  suite: Suite,
  homes: readonly string[],
  keys: ReadonlyMap<string, KeyPair>,
  options: CatchUpOptions,
): Promise<number> {
  const started = performance.now();
  const genesis = parseWith(
    genesisSchema,
    JSON.parse(readFileSync(join(homes[0] as string, "genesis.json"), "utf8")),
    "genesis.json",
  );
  const validatorKeys = homes.map((home) => readKeyPairFile(join(home, HOME_FILES.nodeKey)));
  const store = ChainStore.open(join(homes[0] as string, "data"));
  try {
    const chain = Chain.open(store, suite, genesis);
    const senders = Array.from({ length: SENDERS }, (_, i) => keys.get(`payer-${i}`) as KeyPair);
    const to = addressOfKey(suite, (senders[0] as KeyPair).publicKey.bytes);
    const signer = new LoadSigner(suite);
    let next = 0;
    const buildBlock = (height: number) => {
      const txs = Array.from({ length: options.txsPerBlock }, () => {
        const tx = signer.sign(senders[next++ % SENDERS] as KeyPair, transferOp(to, 1n));
        chain.verifiedTxs.add(fromHex(tx.hashHex));
        return tx.bytes;
      });
      const lastCommit = chain.latestBlock().commit;
      const timeMs = chain.nextBlockTime(lastCommit) as bigint;
      const proposer = (validatorKeys[height % VALIDATORS] as KeyPair).publicKey.bytes;
      const prepared = chain.prepareBlock(txs, timeMs, proposer, lastCommit);
      // Every validator's precommit, 1 ms after the block's time (so blocks are 1 ms apart).
      chain.commit(prepared, chain.signCommit(prepared, validatorKeys, timeMs + 1n));
    };
    const batchBlocks = Math.max(
      1,
      Math.min(BUILD_BATCH_BLOCKS, Math.floor(BUILD_BATCH_TXS / options.txsPerBlock)),
    );
    for (let from = 1; from <= options.blocks; from += batchBlocks) {
      const to = Math.min(options.blocks, from + batchBlocks - 1);
      store.commitTogether(() => {
        for (let height = from; height <= to; height++) buildBlock(height);
      });
    }
  } finally {
    await store.close();
  }
  return performance.now() - started;
}
