import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { initSoloHome } from "../../src/node/home.js";
import { CLI } from "./harness.js";

const homes: string[] = [];
const servers: Server[] = [];
afterEach(() => {
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
  for (const server of servers.splice(0)) server.close();
});

function soloHome(config: Record<string, unknown>): string {
  const home = mkdtempSync(join(tmpdir(), "mkl-startup-"));
  homes.push(home);
  initSoloHome(home, {
    suite: "ed25519",
    chainId: "startup-test",
    apiPort: 0,
    fundedAccounts: [],
    genesisTimeMs: 1_700_000_000_000n,
  });
  const path = join(home, "config.json");
  writeFileSync(path, JSON.stringify({ ...JSON.parse(readFileSync(path, "utf8")), ...config }));
  return home;
}

async function busyPort(): Promise<number> {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as { port: number }).port;
}

/** `mkl node start`; it must end by itself (a half-started node would keep running). */
function startAndWait(home: string) {
  const run = spawnSync(CLI[0], [...CLI.slice(1), "node", "start", "--home", home], {
    encoding: "utf8",
    timeout: 30_000,
    env: { ...process.env, MKL_LOG_LEVEL: "warn" },
  });
  const output = `${run.stdout}${run.stderr}`.trim();
  return { status: run.status, signal: run.signal, lines: output.split("\n") };
}

describe("a node that cannot start", () => {
  it("says so in one line and exits 2 when the API port is taken, leaving nothing running", async () => {
    const port = await busyPort();
    const run = startAndWait(soloHome({ api: { host: "127.0.0.1", port } }));
    expect(run.signal).toBeNull();
    expect(run.status).toBe(2);
    expect(run.lines).toEqual([
      `mkl: cannot listen for the API on 127.0.0.1:${port}: the address is already in use [NODE_START_FAILED]`,
    ]);
  });

  it("names the misspelt key of config.json in one line and exits 2", () => {
    const run = startAndWait(soloHome({ apii: { port: 1 } }));
    expect(run.status).toBe(2);
    expect(run.lines).toHaveLength(1);
    expect(run.lines[0]).toMatch(/config\.json is invalid: .*apii.*\[CONFIG_INVALID\]/);
  });
});
