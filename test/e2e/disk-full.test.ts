import { once } from "node:events";
import { mkdtempSync, rmSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EXIT_CODE } from "../../src/node/fail-stop.js";
import { initSoloHome } from "../../src/node/home.js";
import { startNodeProcess, stopChild } from "../../src/ops/network-up.js";
import { MarketLedgerClient } from "../../src/sdk/index.js";
import { CLI, until, writeTestConfig } from "./harness.js";
import { fillDisk, mountSmallDisk, unmountSmallDisk } from "./small-disk.js";

const disk = mountSmallDisk("8m");
const homes: string[] = [];
afterAll(() => {
  if ("dir" in disk) unmountSmallDisk(disk.dir);
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});
if ("reason" in disk) console.warn(`disk-full test skipped: cannot mount a tmpfs here (${disk.reason})`);

describe.skipIf("reason" in disk)("a node whose disk fills up", () => {
  it("stops with one log line and exit code 3, and restarts cleanly once space is back", async () => {
    const dataDir = (disk as { dir: string }).dir;
    const home = mkdtempSync(join(tmpdir(), "mkl-diskfull-"));
    homes.push(home);
    initSoloHome(home, {
      suite: "sm",
      chainId: "disk-test",
      apiPort: 0,
      fundedAccounts: [{ name: "alice", balanceFen: 1_000n }],
      genesisTimeMs: 1_700_000_000_000n,
    });
    writeTestConfig(home, { emptyBlockIntervalMs: 50, dataDir });
    const lines: string[] = [];
    const env = { ...process.env, MKL_LOG_LEVEL: "warn" };
    const first = startNodeProcess(home, CLI[0], CLI.slice(1), (line) => lines.push(line), env);
    const client = new MarketLedgerClient(await first.apiUrl);
    await until(async () => BigInt((await client.status()).height) >= 3n);
    const exited = once(first.child, "exit");
    fillDisk(join(dataDir, "filler"));
    const [code] = (await exited) as [number | null];
    expect(code).toBe(EXIT_CODE.storageFault);
    const faultLines = lines.filter((line) => line.includes("storage fault"));
    expect(faultLines).toHaveLength(1);
    // LMDB reports a full disk as EIO (5); the WAL as ENOSPC. Either way the line says why.
    expect(faultLines[0]).toMatch(/"reason":"[^"]+"/);
    expect(lines.filter((line) => /^\[\w+\]\s+at /.test(line))).toEqual([]); // no stack trace

    unlinkSync(join(dataDir, "filler"));
    const second = startNodeProcess(home, CLI[0], CLI.slice(1), () => {}, env);
    try {
      const again = new MarketLedgerClient(await second.apiUrl);
      const resumedFrom = BigInt((await again.status()).height);
      await until(async () => BigInt((await again.status()).height) >= resumedFrom + 3n);
    } finally {
      await stopChild(second.child);
    }
  });
});
