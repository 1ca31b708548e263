import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LedgerError } from "../errors.js";
import { launchNetwork } from "./launch-network.js";

/**
 * Start-up with stand-in node processes (node -e, run as `… node start --home HOME`): node1
 * prints nothing and never serves, the others serve at once and stay. node1 is the first whose
 * timer runs out whatever the load, since every node's timer is as long and node1's started first.
 */
const STAND_IN = `
const home = process.argv.at(-1);
if (home.endsWith("/node1")) setInterval(() => {}, 60_000);
else { console.log("API http://127.0.0.1:1"); setInterval(() => {}, 60_000); }
`;
let dir: string;

/** Processes on this machine running a node of this test's network (its home is in the command line). */
function standInPids(): string[] {
  return readdirSync("/proc").filter((pid) => {
    try {
      return /^\d+$/.test(pid) && readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(`${dir}/node`);
    } catch {
      return false; // gone meanwhile
    }
  });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "mkl-launch-"));
  for (const name of ["node1", "node2", "node3"]) {
    mkdirSync(join(dir, name));
    // Port 0: nothing for the busy-port check to open.
    writeFileSync(join(dir, name, "config.json"), JSON.stringify({ api: { port: 0 } }));
  }
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("launchNetwork", () => {
  it("fails the start-up when a node never serves: names it, stops every node", async () => {
    const launched = launchNetwork(dir, {
      command: [process.execPath, "-e", STAND_IN, "--"],
      print: () => {},
      log: () => {},
      busyPortHint: "",
      restart: false,
      startupTimeoutMs: 300,
    });
    const error = await launched.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(LedgerError);
    expect((error as LedgerError).code).toBe("NODE_STARTUP_TIMEOUT");
    expect((error as LedgerError).message).toMatch(
      /^node1 \(pid \d+\) did not serve within 300 ms of starting$/,
    );
    // All or none: by the time the error is out, every node (the silent one too) has been stopped.
    expect(standInPids()).toEqual([]);
  });

  it("starts a network whose nodes serve within the timeout", async () => {
    const network = await launchNetwork(dir, {
      command: [process.execPath, "-e", STAND_IN.replace('"/node1"', '"/none"'), "--"],
      print: () => {},
      log: () => {},
      busyPortHint: "",
      restart: false,
      startupTimeoutMs: 60_000,
    });
    expect(network.serving.map((node) => [node.name, node.url])).toEqual([
      ["node1", "http://127.0.0.1:1"],
      ["node2", "http://127.0.0.1:1"],
      ["node3", "http://127.0.0.1:1"],
    ]);
    expect(standInPids()).toHaveLength(3);
    await network.stop();
    expect(standInPids()).toEqual([]);
  });
});
