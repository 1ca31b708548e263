import { once } from "node:events";
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MarketLedgerClient } from "../../src/sdk/index.js";
import { type CliProcess, initTestNetwork, startCli, until } from "./harness.js";

/**
 * `mkl network up` as an operator runs it, with real node processes: all or none at start-up,
 * and a node that dies afterwards reported and, with --restart, started again.
 */
let root: string;
let dir: string;
const clis: CliProcess[] = [];

/** The pids of every process on this machine running a node of this test's network. */
function nodePids(): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(`${dir}/node`);
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

function exitOf(cli: CliProcess): Promise<[number | null, NodeJS.Signals | null]> {
  if (cli.child.exitCode !== null || cli.child.signalCode !== null)
    return Promise.resolve([cli.child.exitCode, cli.child.signalCode]);
  return once(cli.child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
}

/** `mkl network up --home DIR …`, once it printed every node's line. */
async function networkUp(...flags: string[]): Promise<CliProcess> {
  const cli = startCli(["network", "up", "--home", dir, ...flags], /network is up/);
  clis.push(cli);
  await cli.ready;
  await until(() => /node4 +\S+ +\(pid \d+\)\n/.test(cli.output()));
  return cli;
}

/** Ctrl-C: `network up` exits 0 and leaves no node behind. */
async function ctrlC(cli: CliProcess): Promise<void> {
  cli.child.kill("SIGINT");
  const [code] = await exitOf(cli);
  expect(code, cli.output()).toBe(0);
  expect(nodePids()).toEqual([]);
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "mkl-up-"));
  dir = join(root, "net");
  await initTestNetwork(dir);
}, 120_000);

afterAll(async () => {
  for (const cli of clis) cli.child.kill("SIGKILL");
  for (const pid of nodePids()) process.kill(pid, "SIGKILL");
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
});

describe("mkl network up", () => {
  it("stops the nodes it started when one cannot start: one error naming it, exit 1, no node left", async () => {
    const key = join(dir, "node3", "node.key.pem");
    renameSync(key, `${key}.away`);
    try {
      const cli = startCli(["network", "up", "--home", dir], /network is up/);
      clis.push(cli);
      const [code] = await exitOf(cli);
      expect(code, cli.output()).toBe(1);
      expect(cli.output()).toMatch(/mkl: node3 exited \(exit code \d+\) before serving; its last lines:/);
      expect(cli.output()).toMatch(/\[NODE_EXITED\]/);
      expect(cli.output()).not.toMatch(/network is up/);
      expect(nodePids()).toEqual([]);
    } finally {
      renameSync(`${key}.away`, key);
    }
  });

  it("without --restart, reports a node killed with SIGKILL, does not restart it, and the others keep committing", async () => {
    const cli = await networkUp();
    expect(cli.output()).toMatch(/a node that exits is reported \(--restart restarts it\)/);
    const urls = ["node1", "node2", "node4"].map(
      (name) => (new RegExp(`${name} +(\\S+)/v1/status`).exec(cli.output()) as RegExpExecArray)[1] as string,
    );
    const pid = /node3 +\S+\/v1\/status +\(pid (\d+)\)/.exec(cli.output())?.[1];
    expect(pid, cli.output()).toBeDefined();

    process.kill(Number(pid), "SIGKILL");
    await until(() =>
      new RegExp(`mkl: node3 \\(pid ${pid}\\) exited \\(signal SIGKILL\\) after [\\d.]+ s`).test(
        cli.output(),
      ),
    );
    // The three others (more than 2/3 of the power) go on: each commits past where the chain was.
    const clients = urls.map((url) => new MarketLedgerClient(url));
    const at = (await Promise.all(clients.map(async (c) => BigInt((await c.status()).height)))).reduce(
      (a, b) => (a > b ? a : b),
    );
    for (const client of clients)
      await until(async () => BigInt((await client.status()).height) >= at + 3n, 60_000);
    // "restarting" would have been printed with the exit report, long before those blocks.
    expect(cli.output()).not.toMatch(/restarting node3/);
    expect(cli.child.exitCode, "network up goes on").toBeNull();
    expect(nodePids()).toHaveLength(3);

    await ctrlC(cli);
  }, 120_000);

  it("reports a node killed with SIGKILL and restarts it with --restart; Ctrl-C leaves no node behind", async () => {
    const cli = await networkUp("--restart");
    const line = /node2 +(\S+)\/v1\/status +\(pid (\d+)\)/.exec(cli.output());
    expect(line, cli.output()).not.toBeNull();
    const [, url, pid] = line as RegExpExecArray;
    const client = new MarketLedgerClient(url as string);
    const before = BigInt((await client.status()).height);

    process.kill(Number(pid), "SIGKILL");
    await until(() => /node2 \(pid \d+\) exited \(signal SIGKILL\) after [\d.]+ s/.test(cli.output()));
    // The exit and the restart are two lines, which may reach the pipe apart.
    await until(() => /restarting node2 in 1\.0 s \(restart 1\)/.test(cli.output()));
    await until(() => /node2 restarted \(pid \d+\), serving/.test(cli.output()), 60_000);
    const again = /node2 restarted \(pid (\d+)\), serving (\S+)/.exec(cli.output()) as RegExpExecArray;
    expect(again[1]).not.toBe(pid);
    // The restarted node rejoins: it commits past where the chain was when it died.
    const restarted = new MarketLedgerClient(again[2] as string);
    await until(async () => BigInt((await restarted.status()).height) > before + 2n, 60_000);
    expect(nodePids()).toHaveLength(4);

    await ctrlC(cli);
  }, 120_000);
});
