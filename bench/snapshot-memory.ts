// Peak resident memory of `mkl node snapshot` and `mkl node restore` for a state of N accounts:
//   npx tsx bench/snapshot-memory.ts [accounts, default 300000] [repository whose CLI runs, default .]
// A single validator starts from a genesis with N funded accounts and commits a few blocks;
// then each command runs in its own process under GNU time ("Maximum resident set size").
// Before they run, both homes get the genesis file without its accounts (the commands take
// only the chain id and validators from it), so the figures are the snapshot's own and not
// those of parsing a genesis file of N accounts. Memory, not time: the figure hardly depends
// on how loaded the machine is.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { initSoloHome } from "../src/node/home.js";
import { startNodeProcess, stopChild } from "../src/ops/network-up.js";
import { MarketLedgerClient } from "../src/sdk/index.js";

const accounts = Number(process.argv[2] ?? 300_000);
const root = resolve(process.argv[3] ?? ".");
const cli = [process.execPath, "--import", "tsx", join(root, "src/cli/main.ts")];

/** Runs `mkl ARGS` under GNU time: its peak RSS in MiB and what it printed. */
function measured(args: string[]): { mib: number; out: string } {
  const run = spawnSync("/usr/bin/time", ["-v", ...cli, ...args], { cwd: root, encoding: "utf8" });
  if (run.status !== 0) throw new Error(`mkl ${args.join(" ")} failed: ${run.stderr}`);
  const kb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(run.stderr)?.[1]);
  return { mib: Math.round(kb / 1024), out: run.stdout.trim() };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "mkl-snapshot-memory-"));
  try {
    const home = join(dir, "node");
    initSoloHome(home, {
      suite: "ed25519",
      chainId: "snapshot-memory",
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
    const slim = JSON.stringify({ ...genesis, accounts: [] });

    const node = startNodeProcess(home, cli[0] as string, cli.slice(1), () => {});
    const client = new MarketLedgerClient(await node.apiUrl, { timeoutMs: 60_000 });
    while (BigInt((await client.status()).height) < 3n) await new Promise((r) => setTimeout(r, 200));
    await stopChild(node.child);
    for (const h of [home, restored]) writeFileSync(join(h, "genesis.json"), slim);

    const file = join(dir, "state.snap");
    const taken = measured(["node", "snapshot", "--home", home, "--height", "2", "--out", file]);
    const restoredRun = measured(["node", "restore", "--home", restored, "--snapshot", file]);
    const mib = (statSync(file).size / 2 ** 20).toFixed(1);
    console.log(`${accounts} accounts, snapshot file ${mib} MiB, code of ${root}`);
    console.log(`mkl node snapshot: peak RSS ${taken.mib} MiB`);
    console.log(`mkl node restore:  peak RSS ${restoredRun.mib} MiB (${restoredRun.out})`);
  } finally {
    if (process.env.MKL_KEEP_DIR) console.log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

await main();
