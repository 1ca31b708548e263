import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliCaptured } from "../../src/cli/run.test-util.js";
import { getSuite } from "../../src/crypto/index.js";
import { toHex } from "../../src/ledger/bytes.js";
import { networkNodes } from "../../src/ops/network-up.js";
import { MarketLedgerClient } from "../../src/sdk/index.js";
import { type CliProcess, startCli, until, writeTestConfig } from "./harness.js";

/**
 * A network of host bundles on one machine, grown by a host: four hosts on loopback addresses
 * of their own (127.0.0.2..5, each node listening on its host's address alone), started with
 * `mkl network up` on the whole directory; while it runs, an observer on a fifth host is added
 * with `mkl network add-observer --host` and started from its own bundle (`network up` of that
 * bundle). The running nodes' configs predate it: it is refused until governance registers it,
 * then syncs, then governance makes it a validator and the grown network commits with it.
 */
const HOSTS = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"];
const NEW_HOST = "127.0.0.6";
/** Clear of the ephemeral range and of npm start's ports; distinct per test process. */
const BASE = 21_000 + (process.pid % 400) * 12;
let root: string;
let dir: string;
const ups: CliProcess[] = [];

const apiOf = (host: string) => `http://${host}:${BASE}`;
const clientOf = (host: string) => new MarketLedgerClient(apiOf(host), { timeoutMs: 5_000 });
const height = async (host: string) => BigInt((await clientOf(host).status()).height);
const adminKey = (org: string) => join(dir, "orgs", org, "admin.key.pem");
const node5 = () => join(dir, "hosts", NEW_HOST, "node5");

async function mkl(...args: string[]): Promise<string> {
  const run = await runCliCaptured(...args);
  expect(run.error, run.out).toBeUndefined();
  return run.out;
}

/** `mkl gov ...` at node1, then approvals by org2 and org3: more than 2/3 of four organisations. */
async function pass(verb: string, ...args: string[]): Promise<void> {
  const at = ["--node", apiOf(HOSTS[0]!)];
  const proposed = await mkl("gov", "propose", verb, "--key", adminKey("org1"), ...args, ...at);
  const id = (/proposal (\S+):/.exec(proposed) as RegExpExecArray)[1] as string;
  await mkl("gov", "approve", id, "--key", adminKey("org2"), ...at);
  expect(await mkl("gov", "approve", id, "--key", adminKey("org3"), ...at)).toMatch(
    /approved by more than 2\/3/,
  );
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "mkl-grow-"));
  dir = join(root, "net");
  await mkl(
    ...["network", "init", "--hosts", HOSTS.join(","), "--suite", "ecdsa-p256", "--out", dir],
    ...["--base-port", String(BASE)],
  );
  testPace(dir);
  await networkUp(dir, "node4");
}, 120_000);

afterAll(async () => {
  for (const up of ups.filter((u) => u.child.exitCode === null)) {
    up.child.kill("SIGINT");
    await once(up.child, "exit");
  }
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
});

/** Test pace for every node of `where`; the API stays on its host's address. */
function testPace(where: string): void {
  for (const node of networkNodes(where)) {
    const { api } = JSON.parse(readFileSync(join(node.home, "config.json"), "utf8")) as { api: unknown };
    writeTestConfig(node.home, { api });
  }
}

/** `mkl network up --home WHERE`, once it printed the line of its `last` node. */
async function networkUp(where: string, last: string): Promise<CliProcess> {
  const up = startCli(["network", "up", "--home", where], /network is up/);
  ups.push(up);
  await up.ready;
  await until(() => new RegExp(`${last} +\\S+ +\\(pid \\d+\\)\\n`).test(up.output()));
  return up;
}

describe("a network of host bundles, grown by a host", () => {
  it("runs from the whole directory, lets the new host's observer in once registered, and commits with it as a validator", async () => {
    // Every node serves on its own host's address, as its bundle says.
    for (const [i, host] of HOSTS.entries())
      expect(ups[0]?.output()).toContain(`node${i + 1}  ${apiOf(host)}/v1/status`);
    await until(async () => (await height(HOSTS[0]!)) >= 3n, 60_000, "the four validators commit");

    // Grown while it runs: a new host's bundle, started on its own.
    const grown = await mkl("network", "add-observer", "--dir", dir, "--org", "org1", "--host", NEW_HOST);
    expect(grown).toContain(`observer node5 of org1 on ${NEW_HOST} (api ${BASE}, p2p ${BASE + 10})`);
    const bundle = join(dir, "hosts", NEW_HOST);
    testPace(bundle);
    const node5Up = await networkUp(bundle, "node5");
    expect(node5Up.output()).toContain(`node5  ${apiOf(NEW_HOST)}/v1/status`);
    // The running nodes' configs do not list it: every one refuses it until the chain knows it.
    await until(async () =>
      (await clientOf(NEW_HOST).status()).peers.every((p) => !p.connected && p.lastError !== undefined),
    );
    expect(await height(NEW_HOST)).toBe(0n);

    await pass("add-observer", "--node-cert", join(node5(), "node.cert.pem"));
    const target = await height(HOSTS[0]!);
    await until(async () => (await height(NEW_HOST)) >= target, 60_000, "node5 syncs");
    const [ours, theirs] = await Promise.all(
      [NEW_HOST, HOSTS[0]!].map(async (host) => (await clientOf(host).block(target)).hash),
    );
    expect(ours).toBe(theirs);

    await pass("add-validator", "--validator-key", join(node5(), "node.key.pem"), "--name", "node5");
    const suite = getSuite("ecdsa-p256");
    const node5Key = suite.privateKeyFromPem(readFileSync(join(node5(), "node.key.pem"), "utf8"));
    const node5Hex = toHex(suite.publicKeyOf(node5Key).bytes);
    await until(
      async () => {
        const latest = await clientOf(HOSTS[0]!).block(await height(HOSTS[0]!));
        return (latest.commit as { signatures: Array<{ validator: string }> }).signatures.some(
          (s) => s.validator === node5Hex,
        );
      },
      60_000,
      "node5 signs commits",
    );
    const next = (await height(HOSTS[0]!)) + 2n;
    await until(async () => (await height(NEW_HOST)) >= next, 60_000, "the grown network commits on");
  }, 180_000);
});
