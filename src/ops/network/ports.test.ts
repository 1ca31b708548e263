import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../peers.js";
import { planContext } from "./grow.js";
import { basePortOf, moveLocalPorts } from "./move-ports.js";
import { planNetwork } from "./plan.js";
import { listenersOf, refuseBusyPorts } from "./port-check.js";
import { localTopology } from "./topology.js";
import { writeNetwork } from "./write.js";

const ROOT = new URL("../../../", import.meta.url).pathname;
const base = mkdtempSync(join(tmpdir(), "mkl-ports-"));
const net = join(base, "net");
let held: Server;
let heldPort: number;

beforeAll(async () => {
  writeNetwork(
    net,
    // Below the ephemeral range (32768-60999 here), so no other test's socket can hold them.
    planNetwork(planContext("ecdsa-p256", 30n), localTopology("ports-test", 3, 20_001)),
    undefined,
  );
  heldPort = await freePort();
  held = createServer();
  await new Promise<void>((resolve) => held.listen(heldPort, "127.0.0.1", resolve));
});
afterAll(async () => {
  await new Promise((resolve) => held.close(resolve));
  rmSync(base, { recursive: true, force: true });
});

function config(n: number) {
  return JSON.parse(readFileSync(join(net, `node${n}`, "config.json"), "utf8"));
}

describe("ports of a network on this machine", () => {
  it("lists every listener and refuses a busy one in one line that names the node", async () => {
    const listeners = listenersOf(net);
    expect(listeners.map((l) => `${l.what} ${l.port}`)).toEqual([
      "node1 API 20001",
      "node1 p2p 20011",
      "node2 API 20002",
      "node2 p2p 20012",
      "node3 API 20003",
      "node3 p2p 20013",
    ]);
    await expect(refuseBusyPorts(listeners, "try another")).resolves.toBeUndefined();
    const busy = [...listeners, { what: "node9 API", host: "127.0.0.1", port: heldPort }];
    await expect(refuseBusyPorts(busy, "try another")).rejects.toThrow(
      `port ${heldPort} on 127.0.0.1 (node9 API) is in use: try another`,
    );
  });

  it("moves every node and its peers to a new base port, keeping the rest of each config", () => {
    expect(basePortOf(net)).toBe(20_001);
    moveLocalPorts(net, 21_001);
    expect(basePortOf(net)).toBe(21_001);
    for (const n of [1, 2, 3]) {
      expect(config(n)).toMatchObject({
        moniker: `node${n}`,
        api: { host: "127.0.0.1", port: 21_000 + n },
        p2p: { host: "127.0.0.1", port: 21_010 + n },
      });
      expect(config(n).peers.map((p: { port: number }) => p.port)).toEqual(
        [1, 2, 3].filter((m) => m !== n).map((m) => 21_010 + m),
      );
    }
  });

  it("`mkl start` with a port taken: one line, exit 2, no node started", () => {
    moveLocalPorts(net, heldPort - 1);
    const run = spawnSync(
      process.execPath,
      ["--import", "tsx", join(ROOT, "src/cli/main.ts"), "start", "--home", net, "--no-demo", "--no-monitor"],
      { encoding: "utf8", timeout: 60_000 },
    );
    expect(run.status).toBe(2);
    const errors = run.stderr.trim().split("\n");
    expect(errors).toEqual([
      `mkl: port ${heldPort} on 127.0.0.1 (node2 API) is in use: stop what holds it, or choose other ports with --base-port N (npm start -- --base-port N) [NETWORK_PORT_BUSY]`,
    ]);
    expect(run.stdout).not.toContain("API http");
  });
});
