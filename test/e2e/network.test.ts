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
 * Four validator processes, one per organisation, over mutually authenticated TLS on loopback:
 * the end-to-end checks, in order, on one network.
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

async function client(home: string): Promise<MarketLedgerClient> {
  return new MarketLedgerClient(await (processes.get(home) as NodeProcessInfo).apiUrl);
}

async function height(home: string): Promise<bigint> {
  return BigInt((await (await client(home)).status()).height);
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
    const suite = getSuite("ecdsa-p256");
    const operator = suite.privateKeyFromPem(readFileSync(join(dir, "operator", "operator.key.pem"), "utf8"));
    const key: KeyPair = { privateKey: operator, publicKey: suite.publicKeyOf(operator) };
    const entry = await client(homes[2] as string);
    const tx = buildSignedTx(
      suite,
      key,
      { chainId: "marketledger-local", nonce: 0n, expiryHeight: 10_000n },
      transferOp(addressOfKey(suite, key.publicKey.bytes), 1n),
    );
    const committed = await entry.waitForTx(await entry.submitTx(tx.bytes), {
      timeoutMs: 30_000,
      pollMs: 50,
    });
    const h = BigInt(committed.height);
    await until(async () => (await Promise.all(homes.map(height))).every((x) => x >= h));
    const roots = await Promise.all(
      homes.map(async (home) => (await (await client(home)).block(h)).header.stateRoot),
    );
    expect(new Set(roots).size).toBe(1);
    const status = await entry.status();
    expect(status.peers.filter((p) => p.connected)).toHaveLength(3);
  });

  it("keeps committing after a validator is killed, and the validator catches up when restarted", async () => {
    const victim = homes[3] as string;
    await killNode((processes.get(victim) as NodeProcessInfo).child);
    const before = await height(homes[0] as string);
    await until(async () => (await height(homes[0] as string)) >= before + 3n);
    start(victim);
    const target = await height(homes[0] as string);
    await until(async () => (await height(victim)) >= target);
  });

  it("stops with two of four down without forking, and resumes when one returns", async () => {
    const [a, b, c, d] = homes as [string, string, string, string];
    await Promise.all([c, d].map((home) => killNode((processes.get(home) as NodeProcessInfo).child)));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const stalled = await height(a);
    // A node of a halted chain is live but not ready: it has peers, yet nothing commits.
    await until(async () => (await probe(a, "/readyz")).status === 503);
    expect((await height(a)) - stalled).toBeLessThanOrEqual(1n);
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
    await Promise.all([...processes.values()].map((p) => stopChild(p.child)));
    execFileSync(CLI[0], [...CLI.slice(1), "network", "add-observer", "--dir", dir, "--org", "org2"], {
      cwd: ROOT,
      stdio: "pipe",
    });
    const all = nodeHomes(dir);
    expect(all).toHaveLength(5);
    const ports = all.map(
      (home) => JSON.parse(readFileSync(join(home, "config.json"), "utf8")).p2p.port as number,
    );
    ports[4] = await freePort();
    wirePeers(dir, { p2pPorts: ports });
    for (const home of all) writeTestConfig(home, testReadiness);
    const observer = all[4] as string;
    // Alone, the new observer sits at height 0 with no peers: live, not ready.
    start(observer);
    await until(async () => (await probe(observer, "/readyz")).failing.includes("commit"));
    expect(await probe(observer, "/readyz")).toMatchObject({
      status: 503,
      height: "0",
      failing: ["peers", "commit"],
    });
    expect((await probe(observer, "/livez")).status).toBe(200);
    for (const home of all.slice(0, 4)) start(home);
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

  it("adds the observer to the validator set by governance: > 2/3 of organisations approve", async () => {
    const suite = getSuite("ecdsa-p256");
    const all = nodeHomes(dir);
    const observer = all[4] as string;
    const observerKey = suite.publicKeyOf(
      suite.privateKeyFromPem(readFileSync(join(observer, "node.key.pem"), "utf8")),
    );
    const entry = await client(homes[0] as string);
    const url = await (processes.get(homes[0] as string) as NodeProcessInfo).apiUrl;
    // Through the command line an operator would use: `mkl gov propose|approve`.
    const mkl = (...args: string[]) =>
      execFileSync(CLI[0], [...CLI.slice(1), "gov", ...args, "--node", url], {
        cwd: ROOT,
        encoding: "utf8",
      });
    const adminKey = (org: string) => join(dir, "orgs", org, "admin.key.pem");
    const nodeKey = join(observer, "node.key.pem");
    expect(
      mkl(
        "propose",
        "add-validator",
        "--key",
        adminKey("org1"),
        "--validator-key",
        nodeKey,
        "--name",
        "node5",
        "--id",
        "add-node5",
      ),
    ).toMatch(/^OK at height/);
    expect(mkl("approve", "add-node5", "--key", adminKey("org2"))).toMatch(/^OK/);
    const third = mkl("approve", "add-node5", "--key", adminKey("org3"));
    expect(third).toContain("validatorSetScheduled");
    const again = (() => {
      try {
        return mkl("approve", "add-node5", "--key", adminKey("org3"));
      } catch (error) {
        // A refusal: the result's description on stdout, `mkl: … [CODE]` on stderr, exit 1.
        const { stdout, stderr, status } = error as { stdout?: string; stderr?: string; status?: number };
        return `exit ${status}\n${stdout ?? ""}${stderr ?? ""}`;
      }
    })();
    expect(again).toMatch(/^exit 1\n/);
    expect(again).toContain("[GOVERNANCE_CLOSED]");
    const thirdHeight = BigInt((/at height (\d+)/.exec(third) as RegExpExecArray)[1] as string);
    const effective = thirdHeight + 2n;
    await until(async () => (await (await client(observer)).status()).consensus.role === "validator");
    await until(async () => (await height(homes[0] as string)) >= effective + 3n);
    const block = await entry.block(effective + 2n);
    const signers = (block.commit as { signatures: Array<{ validator: string }> }).signatures.map(
      (sig) => sig.validator,
    );
    const status = await entry.status();
    expect(status.validators).toHaveLength(5);
    expect(signers.length).toBeGreaterThanOrEqual(4);
    await until(async () => {
      const later = await entry.block(BigInt((await entry.status()).height));
      return (later.commit as { signatures: Array<{ validator: string }> }).signatures.some(
        (sig) => sig.validator === Buffer.from(observerKey.bytes).toString("hex"),
      );
    });
  });
});
