import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getSuite } from "../../src/crypto/index.js";
import type { KeyPair } from "../../src/crypto/suite.js";
import { type NodeProcessInfo, nodeHomes, stopChild } from "../../src/ops/network-up.js";
import { freePort, wirePeers } from "../../src/ops/peers.js";
import { addressOfKey, buildSignedTx, MarketLedgerClient, transferOp } from "../../src/sdk/index.js";
import { CLI, initTestNetwork, killNode, ROOT, startNode, until, writeTestConfig } from "./harness.js";

/**
 * Four validator processes, one per organisation, over mutually authenticated TLS on loopback.
 * One network serves the file (processes are slow to start), and each case first brings it to
 * what it needs with `networkUp()`: every node of the network running, linked and committing. So
 * a case passes alone (`-t`) or in any order; a case that adds a node leaves it in the network.
 */
let tempRoot: string;
let dir: string;
let homes: string[];
const processes = new Map<string, NodeProcessInfo>();

function start(home: string): NodeProcessInfo {
  const info = startNode(home);
  processes.set(home, info);
  return info;
}

function isRunning(home: string): boolean {
  const child = processes.get(home)?.child;
  return child !== undefined && child.exitCode === null && child.signalCode === null;
}

async function client(home: string): Promise<MarketLedgerClient> {
  return new MarketLedgerClient(await (processes.get(home) as NodeProcessInfo).apiUrl);
}

async function height(home: string): Promise<bigint> {
  return BigInt((await (await client(home)).status()).height);
}

/** The engine's status ticks: time passing inside the node, even when no round can end. */
async function ticks(home: string): Promise<number> {
  return (await (await client(home)).status()).figures.mkl_consensus_ticks_total as number;
}

/** Starts every node of the network that is not running; resolves once all link to all and commit. */
async function networkUp(): Promise<string[]> {
  const all = nodeHomes(dir);
  for (const home of all) if (!isRunning(home)) start(home);
  let best: number | undefined;
  await until(
    async () => {
      const statuses = await Promise.all(all.map(async (home) => (await client(home)).status()));
      const heights = statuses.map((s) => Number(s.height));
      best ??= Math.max(...heights);
      const past = best;
      return statuses.every((s, i) => (heights[i] ?? 0) > past && s.peers.every((p) => p.connected));
    },
    60_000,
    "every node linked to every peer and past the best height when they first answered",
  );
  return all;
}

beforeAll(async () => {
  tempRoot = mkdtempSync(join(tmpdir(), "mkl-net-"));
  dir = join(tempRoot, "net");
  homes = await initTestNetwork(dir, () => testReadiness);
  for (const home of homes) start(home);
}, 120_000);

/** Short enough that a halted chain shows in /readyz within the test. */
const testReadiness = { readiness: { commitWithinSeconds: 2, maxBlocksBehind: 2 } };

interface Probe {
  status: number;
  ok: boolean;
  height: string;
  failing: string[];
}

async function probe(home: string, path: "/livez" | "/readyz"): Promise<Probe> {
  const answer = await fetch(`${await (processes.get(home) as NodeProcessInfo).apiUrl}${path}`);
  return { status: answer.status, ...((await answer.json()) as Omit<Probe, "status">) };
}

afterAll(async () => {
  await Promise.all([...processes.values()].map((p) => stopChild(p.child)));
  if (tempRoot !== undefined) rmSync(tempRoot, { recursive: true, force: true });
});

describe("a four-validator network of processes", () => {
  it("commits a transaction submitted to any node on every node, with the same state root", async () => {
    const all = await networkUp();
    const suite = getSuite("ecdsa-p256");
    const operator = suite.privateKeyFromPem(readFileSync(join(dir, "operator", "operator.key.pem"), "utf8"));
    const key: KeyPair = { privateKey: operator, publicKey: suite.publicKeyOf(operator) };
    const entry = await client(homes[2] as string);
    const { nonce } = await entry.account(addressOfKey(suite, key.publicKey.bytes));
    const tx = buildSignedTx(
      suite,
      key,
      { chainId: "marketledger-local", nonce, expiryHeight: 100_000n },
      transferOp(addressOfKey(suite, key.publicKey.bytes), 1n),
    );
    const committed = await entry.waitForTx(await entry.submitTx(tx.bytes), {
      timeoutMs: 30_000,
      pollMs: 50,
    });
    const h = BigInt(committed.height);
    await until(async () => (await Promise.all(all.map(height))).every((x) => x >= h));
    const roots = await Promise.all(
      all.map(async (home) => (await (await client(home)).block(h)).header.stateRoot),
    );
    expect(new Set(roots).size).toBe(1);
    const status = await entry.status();
    expect(status.peers.filter((p) => p.connected)).toHaveLength(all.length - 1);
  });

  it("keeps committing after a validator is killed, and the validator catches up when restarted", async () => {
    await networkUp();
    const victim = homes[3] as string;
    await killNode((processes.get(victim) as NodeProcessInfo).child);
    const before = await height(homes[0] as string);
    await until(async () => (await height(homes[0] as string)) >= before + 3n);
    start(victim);
    const target = await height(homes[0] as string);
    await until(async () => (await height(victim)) >= target);
  });

  it("stops with two of four down without forking, and resumes when one returns", async () => {
    await networkUp();
    const [a, b, c, d] = homes as [string, string, string, string];
    await Promise.all([c, d].map((home) => killNode((processes.get(home) as NodeProcessInfo).child)));
    // No round can end now. What was in flight settles within a tick or two of the survivors'
    // engines, which then sit at one height; three more ticks later (the nodes' own time, not the
    // test's) neither has moved. Block sync would bring any block one of them still committed.
    const survivors = [a, b];
    const ticked = async (n: number) => {
      const from = await Promise.all(survivors.map(ticks));
      return async () =>
        (await Promise.all(survivors.map(ticks))).every((t, i) => t >= (from[i] as number) + n);
    };
    const settled = await ticked(2);
    await until(
      async () => (await settled()) && (await height(a)) === (await height(b)),
      30_000,
      "two ticks of each survivor, both at one height",
    );
    const stalled = await height(a);
    const threeMore = await ticked(3);
    await until(threeMore, 30_000, "three more ticks of each survivor");
    expect(await Promise.all(survivors.map(height))).toEqual([stalled, stalled]);
    // A node of a halted chain is live but not ready: it has peers, yet nothing commits.
    await until(async () => (await probe(a, "/readyz")).status === 503);
    expect(await height(a)).toBe(stalled);
    expect(await probe(a, "/readyz")).toMatchObject({ ok: false, failing: ["commit"] });
    expect(await probe(a, "/livez")).toMatchObject({ status: 200, ok: true });
    start(c);
    await until(async () => (await height(a)) >= stalled + 3n && (await height(b)) >= stalled + 3n);
    const h = stalled + 2n;
    const [x, y, z] = await Promise.all(
      [a, b, c].map(async (home) => (await (await client(home)).block(h)).hash),
    );
    expect(x).toBe(y);
    expect(y).toBe(z);
  });

  it("lets a new observer catch up from height 0 without voting", async () => {
    // A chain with some history to catch up on, then everything stopped to add the observer.
    await networkUp();
    await until(async () => (await height(homes[0] as string)) > 5n);
    await Promise.all([...processes.values()].map((p) => stopChild(p.child)));
    execFileSync(CLI[0], [...CLI.slice(1), "network", "add-observer", "--dir", dir, "--org", "org2"], {
      cwd: ROOT,
      stdio: "pipe",
    });
    const all = nodeHomes(dir);
    const observer = all.at(-1) as string;
    const ports = all.map(
      (home) => JSON.parse(readFileSync(join(home, "config.json"), "utf8")).p2p.port as number,
    );
    ports[ports.length - 1] = await freePort();
    wirePeers(dir, { p2pPorts: ports });
    for (const home of all) writeTestConfig(home, testReadiness);
    // Alone, the new observer sits at height 0 with no peers: live, not ready.
    start(observer);
    await until(async () => (await probe(observer, "/readyz")).failing.includes("commit"));
    expect(await probe(observer, "/readyz")).toMatchObject({
      status: 503,
      height: "0",
      failing: ["peers", "commit"],
    });
    expect((await probe(observer, "/livez")).status).toBe(200);
    for (const home of all.filter((h) => h !== observer)) start(home);
    const target = await height(homes[0] as string);
    expect(target).toBeGreaterThan(5n);
    await until(async () => (await height(observer)) >= target, 60_000);
    await until(async () => (await probe(observer, "/readyz")).ok);
    const status = await (await client(observer)).status();
    expect(status.consensus.role).toBe("observer");
    const h = target - 1n;
    const [ours, theirs] = await Promise.all(
      [observer, homes[0] as string].map(async (home) => (await (await client(home)).block(h)).hash),
    );
    expect(ours).toBe(theirs);
  }, 120_000);
});
