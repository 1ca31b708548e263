import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getSuite } from "../../src/crypto/index.js";
import type { KeyPair, Suite, SuiteId } from "../../src/crypto/suite.js";
import { type DemoParty, seedDemoGenesis } from "../../src/ops/demo-genesis.js";
import { type NodeProcessInfo, nodeHomes, startNodeProcess, stopChild } from "../../src/ops/network-up.js";
import { freePort, wirePeers } from "../../src/ops/peers.js";
import { MarketLedgerClient } from "../../src/sdk/index.js";

const CLI = join(new URL("../../", import.meta.url).pathname, "src/cli/main.js");
export const CHAIN_ID = "marketledger-local";

/**
 * The API of a benchmarked node: an ephemeral port, and the load generator on loopback treated
 * as a trusted gateway (no per-address or per-signer rate limit), so the figures are the
 * chain's, not the client limits'.
 */
export const BENCH_API = {
  host: "127.0.0.1",
  port: 0,
  rateLimit: {
    requestsPerSecond: 1_000_000,
    txsPerSignerPerSecond: 1_000_000,
    allow: ["127.0.0.1", "::1", "::ffff:127.0.0.1"],
  },
};

export interface BenchNetwork {
  readonly dir: string;
  readonly suite: Suite;
  readonly urls: readonly string[];
  readonly clients: readonly MarketLedgerClient[];
  readonly keys: ReadonlyMap<string, KeyPair>;
  readonly nodes: ReadonlyArray<NodeProcessInfo & { pid: number }>;
  /** Stops every node and removes the network's files. */
  stop(): Promise<void>;
}

export interface BenchNetworkOptions {
  readonly suiteId: SuiteId;
  readonly parties: readonly DemoParty[];
  readonly validators?: number;
  /** Write a V8 CPU profile of node1 (of the first `cpuProfileNodes`) into this directory when it exits. */
  readonly cpuProfileDir?: string;
  readonly cpuProfileNodes?: number;
  /** The fetch the clients send with (one that counts bytes, say). */
  readonly fetch?: typeof fetch;
  /** Keys merged into every node's config.json (an A/B of a node setting: `--node-config`). */
  readonly nodeConfig?: Readonly<Record<string, unknown>>;
}

/** A generated network on disk, not started: its directory and the funded identities' keys. */
export interface BenchNetworkFiles {
  /** Remove this directory when done. */
  readonly root: string;
  readonly dir: string;
  readonly keys: Map<string, KeyPair>;
  readonly homes: readonly string[];
}

/**
 * A consortium of `validators` organisations (one validator each) with the given funded
 * identities in genesis, peers wired on free ports, quiet logs and ephemeral API ports: the
 * network `npm start` runs, before its first start.
 */
export async function initBenchNetwork(
  suiteId: SuiteId,
  parties: readonly DemoParty[],
  validators = 4,
  nodeConfig: Readonly<Record<string, unknown>> = {},
): Promise<BenchNetworkFiles> {
  const root = mkdtempSync(join(tmpdir(), "mkl-bench-net-"));
  const dir = join(root, "net");
  try {
    execFileSync(
      process.execPath,
      [CLI, "network", "init", "--orgs", String(validators), "--suite", suiteId, "--out", dir],
      { stdio: "pipe" },
    );
    const keys = seedDemoGenesis(dir, parties);
    const homes = nodeHomes(dir);
    wirePeers(dir, { p2pPorts: await Promise.all(homes.map(() => freePort())) });
    for (const home of homes) {
      const config = JSON.parse(readFileSync(join(home, "config.json"), "utf8"));
      writeFileSync(
        join(home, "config.json"),
        JSON.stringify({ ...config, api: BENCH_API, logLevel: "error", ...nodeConfig }),
      );
    }
    return { root, dir, keys, homes };
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
}

/** Starts one benchmarked node home as its own `mkl node start` process. */
export function startBenchNode(home: string, cpuProfileDir?: string): NodeProcessInfo & { pid: number } {
  const profile = cpuProfileDir ? ["--cpu-prof", "--cpu-prof-dir", cpuProfileDir] : [];
  const node = startNodeProcess(home, process.execPath, [...profile, CLI], () => {});
  return { ...node, pid: node.child.pid as number };
}

/**
 * A generated consortium (initBenchNetwork), every node its own `mkl node start` process on
 * loopback over mutual TLS.
 */
export async function startBenchNetwork(options: BenchNetworkOptions): Promise<BenchNetwork> {
  const { root, dir, keys, homes } = await initBenchNetwork(
    options.suiteId,
    options.parties,
    options.validators ?? 4,
    options.nodeConfig,
  );
  const nodes: Array<NodeProcessInfo & { pid: number }> = [];
  const stop = async () => {
    await Promise.all(nodes.map((n) => stopChild(n.child)));
    rmSync(root, { recursive: true, force: true });
  };
  try {
    for (const [i, home] of homes.entries())
      nodes.push(
        startBenchNode(home, i < (options.cpuProfileNodes ?? 1) ? options.cpuProfileDir : undefined),
      );
    const urls = await Promise.all(nodes.map((n) => n.apiUrl));
    return {
      dir,
      suite: getSuite(options.suiteId),
      urls,
      clients: urls.map(
        (url) => new MarketLedgerClient(url, options.fetch === undefined ? {} : { fetch: options.fetch }),
      ),
      keys,
      nodes,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
