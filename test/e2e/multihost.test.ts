import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleName, writeHostBundles } from "../../src/ops/network/bundles.js";
import { planContext } from "../../src/ops/network/grow.js";
import { planNetwork } from "../../src/ops/network/plan.js";
import { hostsTopology } from "../../src/ops/network/topology.js";
import { type NodeProcessInfo, startNodeProcess, stopChild } from "../../src/ops/network-up.js";
import { CLI, until, writeTestConfig } from "./harness.js";
import { ip, mustIp, namespacesUnavailable } from "./netns.js";

/**
 * Four hosts: each node in its own network namespace with its own address on a bridge (the
 * benchmarking range 198.18.0.0/15), started from its own bundle of `network init --hosts`.
 * The chain commits, one host is cut off (its link goes down) and rejoins, and it catches up.
 */

const tag = String(process.pid % 10_000);
const bridge = `mklbr${tag}`;
const HOSTS = [1, 2, 3, 4].map((i) => ({
  ns: `mkl-${tag}-${i}`,
  veth: `mklv${tag}h${i}`,
  peer: `mklv${tag}n${i}`,
  ip: `198.18.${Number(tag) % 200}.${i}`,
}));
const API_PORT = 26651;

const unavailable = namespacesUnavailable(`mkl-probe-${tag}`);
if (unavailable !== undefined) {
  console.warn(`skipping the multi-host test: network namespaces cannot be made here (${unavailable})`);
}

function teardown(): void {
  for (const host of HOSTS) ip(["netns", "delete", host.ns]);
  ip(["link", "delete", bridge]);
}

const subnet = (address: string) => `${address}/24`;

describe.skipIf(unavailable !== undefined)("a network of four hosts, each in its own namespace", () => {
  let dir: string;
  const nodes: NodeProcessInfo[] = [];
  process.once("exit", teardown);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "mkl-hosts-"));
    teardown();
    mustIp(["link", "add", bridge, "type", "bridge"]);
    mustIp(["addr", "add", subnet(HOSTS[0]!.ip.replace(/\.\d+$/, ".254")), "dev", bridge]);
    mustIp(["link", "set", bridge, "up"]);
    for (const host of HOSTS) {
      mustIp(["netns", "add", host.ns]);
      mustIp(["link", "add", host.veth, "type", "veth", "peer", "name", host.peer]);
      mustIp(["link", "set", host.peer, "netns", host.ns]);
      mustIp(["link", "set", host.veth, "master", bridge]);
      mustIp(["link", "set", host.veth, "up"]);
      mustIp(["-n", host.ns, "addr", "add", subnet(host.ip), "dev", host.peer]);
      mustIp(["-n", host.ns, "link", "set", host.peer, "up"]);
      mustIp(["-n", host.ns, "link", "set", "lo", "up"]);
    }
    const topology = hostsTopology(
      "multi-host",
      HOSTS.map((h) => h.ip),
    );
    writeHostBundles(join(dir, "net"), planNetwork(planContext("ecdsa-p256", 30n), topology), undefined);
    HOSTS.forEach((host, i) => {
      const home = join(dir, "net", "hosts", bundleName(host.ip), `node${i + 1}`);
      // Test pace, and the API on the host's address so this test (on the bridge) can ask it.
      writeTestConfig(home, { api: { host: "0.0.0.0", port: API_PORT } });
      nodes.push(
        startNodeProcess(home, "ip", ["netns", "exec", host.ns, ...CLI], () => {}, {
          ...process.env,
          MKL_LOG_LEVEL: "warn",
        }),
      );
    });
  });

  afterAll(async () => {
    await Promise.all(nodes.map((node) => stopChild(node.child)));
    teardown();
    rmSync(dir, { recursive: true, force: true });
  });

  async function height(i: number): Promise<bigint> {
    const response = await fetch(`http://${HOSTS[i]!.ip}:${API_PORT}/v1/status`, {
      signal: AbortSignal.timeout(2_000),
    });
    return BigInt(((await response.json()) as { height: string }).height);
  }

  async function allAtLeast(indexes: number[], target: bigint): Promise<boolean> {
    const heights = await Promise.all(indexes.map(height));
    return heights.every((h) => h >= target);
  }

  it("commits, keeps committing while one host is cut off, and the host catches up when it rejoins", async () => {
    await Promise.all(nodes.map((node) => node.apiUrl));
    await until(() => allAtLeast([0, 1, 2, 3], 3n), 60_000);

    // Cut host 4 off the bridge: three of four validators (> 2/3 of the power) keep the chain going.
    mustIp(["link", "set", HOSTS[3]!.veth, "down"]);
    const cut = await height(0);
    await expect(height(3), "host 4 is cut off").rejects.toThrow();
    await until(() => allAtLeast([0, 1, 2], cut + 3n), 60_000);

    mustIp(["link", "set", HOSTS[3]!.veth, "up"]);
    const target = (await height(0)) + 2n;
    await until(() => allAtLeast([0, 1, 2, 3], target), 90_000);
    expect(await height(3)).toBeGreaterThanOrEqual(target);
  }, 240_000);
});
