import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { initSoloHome } from "../src/node/home.js";
import { startNodeProcess, stopChild } from "../src/ops/network-up.js";
import { MarketLedgerClient } from "../src/sdk/index.js";
import type { BenchRow } from "./table.js";
import { NODE_RSS_LIMIT_BYTES, statusBytes } from "./workload/proc-stats.js";

const PEAK_RSS_PRELOAD = new URL("./workload/peak-rss.js", import.meta.url).pathname;

export interface SnapshotBenchOptions {
  readonly accounts: number;
  /** The repository whose built CLI (dist/src/cli/main.js) is measured; this one by default. */
  readonly repo?: string;
}

interface Measured {
  /** The child's own VmHWM at exit: its peak resident set, however short. */
  readonly bytes: number;
  /** The largest anonymous and file-backed parts seen by sampling it every 100 ms (a lower bound). */
  readonly anonBytes: number;
  readonly fileBytes: number;
  readonly out: string;
}

/** Runs `mkl ARGS` of `cli` as a child: its peak RSS (it reports its own VmHWM at exit), its sampled parts and output. */
function measured(cli: string, args: readonly string[], dir: string): Promise<Measured> {
  const file = join(dir, "peak-rss");
  rmSync(file, { force: true });
  let anonBytes = 0;
  let fileBytes = 0;
  return new Promise((done, fail) => {
    const child = execFile(
      process.execPath,
      ["--import", PEAK_RSS_PRELOAD, cli, ...args],
      { env: { ...process.env, MKL_PEAK_RSS_FILE: file }, encoding: "utf8", maxBuffer: 16 * 2 ** 20 },
      (error, stdout, stderr) => {
        clearInterval(sampler);
        if (error) return fail(new Error(`mkl ${args.join(" ")} failed: ${stderr || error.message}`));
        const bytes = Number(readFileSync(file, "utf8"));
        if (!(bytes > 0)) return fail(new Error(`mkl ${args[0]} ${args[1]} reported no peak RSS`));
        done({ bytes, anonBytes, fileBytes, out: stdout.trim() });
      },
    );
    const sampler = setInterval(() => {
      const pid = child.pid as number;
      anonBytes = Math.max(anonBytes, statusBytes(pid, "RssAnon") ?? 0);
      fileBytes = Math.max(fileBytes, statusBytes(pid, "RssFile") ?? 0);
    }, 100);
  });
}

/**
 * Peak resident memory of `mkl node snapshot` and `mkl node restore` for a state of `accounts`
 * funded accounts. A single validator starts from a genesis with them and commits a few blocks;
 * then each command runs as its own process, which reports its kernel-kept peak (VmHWM) as it
 * exits. Before they run, both homes get the genesis file without its accounts (the commands
 * take only the chain id and validators from it), so the figures are the snapshot's own and not
 * those of parsing a genesis file of N accounts. Memory, not time: load hardly moves it.
 */
export async function runSnapshotBench(options: SnapshotBenchOptions): Promise<BenchRow[]> {
  const { accounts } = options;
  const here = new URL("../src/cli/main.js", import.meta.url).pathname;
  const cli = options.repo === undefined ? here : join(resolve(options.repo), "dist/src/cli/main.js");
  const dir = mkdtempSync(join(tmpdir(), "mkl-snapshot-bench-"));
  try {
    const home = join(dir, "node");
    initSoloHome(home, {
      suite: "ed25519",
      chainId: "snapshot-bench",
      apiPort: 0,
      fundedAccounts: [],
      genesisTimeMs: 1_700_000_000_000n,
    });
    const genesisPath = join(home, "genesis.json");
    const genesis = JSON.parse(readFileSync(genesisPath, "utf8")) as { accounts: object[] };
    for (let i = 0; i < accounts; i++) {
      const address = createHash("sha256").update(`account ${i}`).digest("hex").slice(0, 40);
      genesis.accounts.push({ address, balanceFen: String(1_000 + i) });
    }
    writeFileSync(genesisPath, JSON.stringify(genesis));
    const configPath = join(home, "config.json");
    const config = JSON.parse(readFileSync(configPath, "utf8")) as object;
    writeFileSync(configPath, JSON.stringify({ ...config, emptyBlockIntervalMs: 50 }));
    const restored = join(dir, "restored");
    cpSync(home, restored, { recursive: true });

    const node = startNodeProcess(home, process.execPath, [cli], () => {});
    try {
      const client = new MarketLedgerClient(await node.apiUrl, { timeoutMs: 60_000 });
      while (BigInt((await client.status()).height) < 3n) await new Promise((r) => setTimeout(r, 200));
    } finally {
      await stopChild(node.child);
    }
    const slim = JSON.stringify({ ...genesis, accounts: [] });
    for (const h of [home, restored]) writeFileSync(join(h, "genesis.json"), slim);

    const file = join(dir, "state.snap");
    const taken = await measured(
      cli,
      ["node", "snapshot", "--home", home, "--height", "2", "--out", file],
      dir,
    );
    const put = await measured(cli, ["node", "restore", "--home", restored, "--snapshot", file], dir);
    const entries = /(\d+) entries/.exec(taken.out)?.[1] ?? "?";
    const mib = (statSync(file).size / 2 ** 20).toFixed(1);
    const label = `snapshot of ${accounts.toLocaleString("en-US")} accounts (${entries} entries, file ${mib} MiB)`;
    const mibOf = (bytes: number) => Math.round(bytes / 2 ** 20);
    const row = (command: string, { bytes, anonBytes, fileBytes }: Measured): BenchRow => ({
      name: `${label}: mkl node ${command}, peak RSS (sampled: anonymous ≥ ${mibOf(anonBytes)}, file-backed ≥ ${mibOf(fileBytes)} MiB)`,
      value: bytes / 2 ** 20,
      unit: "MiB",
      ratio: bytes / NODE_RSS_LIMIT_BYTES,
      limit: "≤ 300 MB node RSS (issue 14); ratio to it",
    });
    return [row("snapshot", taken), row("restore", put)];
  } finally {
    if (process.env.MKL_KEEP_DIR) console.log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}
