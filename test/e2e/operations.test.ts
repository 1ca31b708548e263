import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliCaptured } from "../../src/cli/run.test-util.js";
import { getSuite } from "../../src/crypto/index.js";
import type { KeyPair } from "../../src/crypto/suite.js";
import { toHex } from "../../src/ledger/bytes.js";
import { readSnapshotContents, rewriteSnapshot } from "../../src/node/snapshot-file.test-util.js";
import type { Alert } from "../../src/ops/monitor/alerts.js";
import { type RunningMonitor, runMonitor } from "../../src/ops/monitor/run.js";
import { targetsFromUrls } from "../../src/ops/monitor/targets.js";
import {
  addObserver,
  addOrganisation,
  loadCa,
  planContext,
  renewNodeCertificates,
} from "../../src/ops/network/grow.js";
import { newMember } from "../../src/ops/network/issue.js";
import { planNetwork } from "../../src/ops/network/plan.js";
import { localTopology } from "../../src/ops/network/topology.js";
import { writeMember, writeNetwork } from "../../src/ops/network/write.js";
import { type NodeProcessInfo, nodeHomes, stopChild } from "../../src/ops/network-up.js";
import { freePort, wirePeers } from "../../src/ops/peers.js";
import { userCodeOf } from "../../src/pki/user-code.js";
import { addressOfKey, buildSignedTx, MarketLedgerClient, transferOp } from "../../src/sdk/index.js";
import { runMklNode, startNode, until, writeTestConfig } from "./harness.js";

/**
 * Changing a running network, with real processes: four validators restarted one by one under
 * load; a fifth node added to the validator set and removed again with `mkl gov`, one approval
 * going through the monitor's API; a sixth node started from a state snapshot, which syncs
 * the rest by blocks; and a seventh that no running node's config lists, let in by every node
 * once governance registers it as an observer (no restart), its certificate renewed by
 * governance, and shut out again when it is removed; an organisation admitted by governance,
 * whose admin registers members and an observer (the eighth node); another admitted and
 * removed again, after which its identities cannot sign; a validator's node certificate
 * renewed by governance and taken up on a restart. The chain keeps committing throughout.
 * Each case passes alone and in any order: approvals follow the members the chain has.
 */
const suite = getSuite("ecdsa-p256");
const CHAIN = "marketledger-local";
let tempRoot: string;
let dir: string;
let homes: string[];
const processes = new Map<string, NodeProcessInfo>();
let monitor: RunningMonitor | undefined;

const start = (home: string) => processes.set(home, startNode(home, {}, logLine));
const logLine = (line: string) => appendFileSync(join(tempRoot, "nodes.log"), `${line}\n`);
const url = (home: string) => (processes.get(home) as NodeProcessInfo).apiUrl;
const client = async (home: string) => new MarketLedgerClient(await url(home), { timeoutMs: 5_000 });
const height = async (home: string) => BigInt((await (await client(home)).status()).height);
/** The height, once the node answers (a loaded machine may keep a request waiting). */
async function answeredHeight(home: string): Promise<bigint> {
  let answer = 0n;
  await until(async () => {
    answer = await height(home);
    return true;
  }, 60_000);
  return answer;
}
const keyOf = (path: string): KeyPair => {
  const privateKey = suite.privateKeyFromPem(readFileSync(path, "utf8"));
  return { privateKey, publicKey: suite.publicKeyOf(privateKey) };
};
const adminKey = (org: string) => join(dir, "orgs", org, "admin.key.pem");
const validators = () => homes.slice(0, 4);
/** The member organisations whose admins are registered, as the cases change them. */
const members = new Set(["org1", "org2", "org3", "org4"]);
/** More than 2/3 of the members. */
const needed = () => Math.floor((2 * members.size) / 3) + 1;
/** Validator-set changes the chain has applied (a snapshot carries each). */
let validatorSetChanges = 0;

async function mklAt(...args: string[]): Promise<{ exit: number; out: string }> {
  return runCliCaptured(...args, "--node", await url(homes[0] as string));
}

async function gov(...args: string[]): Promise<string> {
  const result = await mklAt("gov", ...args);
  expect(result.out).toMatch(/^(OK at height|height )/);
  expect(result.exit).toBe(0);
  return result.out;
}

const proposalId = (out: string) => (/proposal (\S+):/.exec(out) as RegExpExecArray)[1] as string;
const DONE = /approved by more than 2\/3; appl(?:ied|ies) at height (\d+)/;

/** Approves proposal `id` with members not in `already`, in order, until it passes; the last output. */
async function approveUntilPassed(id: string, already: readonly string[]): Promise<string> {
  for (const org of [...members].filter((o) => !already.includes(o))) {
    const out = await gov("approve", id, "--key", adminKey(org));
    if (DONE.test(out)) return out;
  }
  throw new Error(`proposal ${id} did not pass with ${[...members].join(", ")}`);
}

/** `mkl gov propose VERB ...` by `org`'s admin, then approvals until it passes; the proposal id. */
async function pass(org: string, verb: string, ...args: string[]): Promise<string> {
  const proposed = await gov("propose", verb, "--key", adminKey(org), ...args);
  const id = proposalId(proposed);
  if (!DONE.test(proposed)) await approveUntilPassed(id, [org]);
  return id;
}

/**
 * A member certificate of `org` with `role` for a fresh key, issued in this process by the
 * organisation's CA (as `mkl cert keygen|csr|issue` would, without three processes): the files.
 */
function issueMember(org: string, name: string, role: "buyer"): { key: string; cert: string } {
  const ca = loadCa(join(dir, "orgs", org), "ca", undefined);
  writeMember(tempRoot, { ...newMember(planContext("ecdsa-p256", 365n), ca, org, role, name) }, undefined);
  return { key: join(tempRoot, `${name}.key.pem`), cert: join(tempRoot, `${name}.cert.pem`) };
}

/**
 * Governance admits organisation `org` (made by `mkl network add-org`), then the platform
 * operator registers its first admin, who registers a buyer; returns the buyer's key file.
 */
async function admitOrganisation(org: string): Promise<string> {
  await pass(
    "org1",
    "admit-org",
    ...["--org", org, "--name", `Member ${org}`, "--ca-cert", join(dir, "orgs", org, "ca.cert.pem")],
  );
  const operator = join(dir, "operator", "operator.key.pem");
  const adminRegistered = await mklAt(
    "tx",
    "registerIdentity",
    ...["--key", operator, "--value-file", join(dir, "orgs", org, "register-admin.json")],
  );
  expect(adminRegistered.out).toMatch(/^OK at height/);
  members.add(org);
  const buyer = issueMember(org, `${org}-buyer`, "buyer");
  const buyerRegistered = await mklAt(
    "tx",
    "registerIdentity",
    ...["--key", adminKey(org), "--field-file", `certificate=${buyer.cert}`],
  );
  expect(buyerRegistered.out).toMatch(/^OK at height/);
  expect(buyerRegistered.out).toContain(`"organisation":"${org}"`);
  return buyer.key;
}

/** `mkl network add-org`'s files for `org`, to be admitted by governance. */
const addOrg = (org: string) =>
  addOrganisation(dir, { id: org, name: `Member ${org}`, days: 365n, genesis: false, passphrase: undefined });

/** `mkl network renew-node-cert`'s files: the node's certificates again, valid `days` from now. */
const renew = (node: string, days: bigint) => renewNodeCertificates(dir, node, days, undefined);

/** A transfer of 1 fen signed by `key`: what the node or the chain answers. */
const transferBy = (key: string) =>
  mklAt("tx", "transfer", "--key", key, "--value", JSON.stringify({ to: "00".repeat(20), amountFen: "1" }));

beforeAll(async () => {
  tempRoot = mkdtempSync(join(tmpdir(), "mkl-ops-"));
  dir = join(tempRoot, "net");
  // What `mkl network init|add-observer|add-org` write, in this process (their CLI has tests of its own).
  writeNetwork(dir, planNetwork(planContext("ecdsa-p256", 365n), localTopology(CHAIN, 4)), undefined);
  // node5 will join the validator set and leave it; node6 will start from a snapshot.
  addObserver(dir, "org2", undefined);
  addObserver(dir, "org3", undefined);
  // node7 knows every node but node8, and no node's config knows node7: only the chain can let it in.
  addObserver(dir, "org4", undefined);
  // org5 is not in genesis (governance admits it); node8 is its observer, known only by the chain too.
  addOrg("org5");
  addObserver(dir, "org5", undefined);
  homes = nodeHomes(dir);
  wirePeers(dir, { p2pPorts: await Promise.all(homes.map(() => freePort())) });
  const unknown = [homes[6], homes[7]].map((home) =>
    Buffer.from(keyOf(join(home as string, "node.key.pem")).publicKey.bytes).toString("hex"),
  );
  // node8 is left out of node7's config too: node7 keeps its chain after governance removes it,
  // and would otherwise let node8 sync from it before node8 is registered.
  for (const home of homes) {
    const path = join(home, "config.json");
    const config = JSON.parse(readFileSync(path, "utf8")) as { peers: Array<{ id: string }> };
    const peers = config.peers.filter((p) => !unknown.includes(p.id));
    writeFileSync(path, JSON.stringify({ ...config, peers }));
  }
  for (const home of homes) writeTestConfig(home);
  for (const home of [...homes.slice(0, 5), homes[6] as string]) start(home);
}, 120_000);

afterAll(async () => {
  await monitor?.stop();
  await Promise.all([...processes.values()].map((p) => stopChild(p.child)));
  if (tempRoot !== undefined && !process.env.MKL_KEEP_TEST_DIR)
    rmSync(tempRoot, { recursive: true, force: true });
});

describe("changing a running network", () => {
  it("restarts every validator in turn under load: no acknowledged transaction lost, heights advance between restarts", async () => {
    const operator = keyOf(join(dir, "operator", "operator.key.pem"));
    const to = addressOfKey(suite, operator.publicKey.bytes);
    const live = new Set(validators());
    // Which node acknowledged each transaction, so a node is drained before it restarts.
    const acknowledged: Array<{ hash: string; by: string }> = [];
    const committed = new Set<string>();
    // The operator may have signed in an earlier case (an admitted organisation's first admin).
    let nonce = (await (await client(homes[0] as string)).account(to)).nonce;
    let stop = false;
    const MAX_IN_FLIGHT = 20;
    // The submission in flight, by node: a node is drained only once it has answered.
    const inFlight = new Map<string, Promise<unknown>>();
    const load = (async () => {
      let turn = 0;
      while (!stop) {
        const pending = acknowledged.filter((a) => !committed.has(a.hash));
        if (pending.length >= MAX_IN_FLIGHT) {
          const oldest = pending[0] as { hash: string; by: string };
          const entry = await client([...live][0] as string);
          await entry.waitForTx(oldest.hash, { timeoutMs: 60_000, pollMs: 50 });
          committed.add(oldest.hash);
          continue;
        }
        const home = [...live][turn++ % live.size] as string;
        const tx = buildSignedTx(
          suite,
          operator,
          { chainId: CHAIN, nonce, expiryHeight: 100_000n },
          transferOp(to, 1n),
        );
        const submitted = client(home).then((c) => c.submitTx(tx.bytes));
        inFlight.set(
          home,
          submitted.catch(() => {}),
        );
        acknowledged.push({ hash: await submitted, by: home });
        nonce++;
      }
    })();
    load.catch(() => {}); // awaited below; a failure must not pass for an unhandled one meanwhile
    /** Waits until every transaction `home` acknowledged is committed (read from another node). */
    const drain = async (home: string) => {
      await inFlight.get(home);
      const other = await client([...live][0] as string);
      for (const { hash } of acknowledged.filter((a) => a.by === home && !committed.has(a.hash))) {
        await other.waitForTx(hash, { timeoutMs: 60_000, pollMs: 50 });
        committed.add(hash);
      }
    };
    const observer = homes[4] as string;
    for (const home of validators()) {
      live.delete(home); // out of the load balancer first
      await drain(home);
      const before = await height(observer);
      await stopChild((processes.get(home) as NodeProcessInfo).child);
      // Three of four validators carry on while it is down.
      await until(async () => (await height(observer)) >= before + 2n, 60_000);
      start(home);
      const reached = await height(observer);
      await until(async () => (await height(home)) >= reached, 60_000);
      live.add(home);
      await until(async () => (await height(observer)) > reached, 30_000);
    }
    stop = true;
    await load;
    const entry = await client(validators()[0] as string);
    for (const { hash } of acknowledged) await entry.waitForTx(hash, { timeoutMs: 60_000, pollMs: 50 });
    expect(acknowledged.length).toBeGreaterThan(20);
    const account = await entry.account(to);
    expect(account.nonce).toBe(nonce);
  }, 240_000);

  it("adds a validator with mkl gov and removes it again (one approval through the monitor); the chain keeps committing", async () => {
    const node5 = homes[4] as string;
    const node5Key = keyOf(join(node5, "node.key.pem")).publicKey.bytes;
    const node5Hex = Buffer.from(node5Key).toString("hex");
    const entry = await client(homes[0] as string);
    const proposed = await gov(
      "propose",
      "add-validator",
      "--key",
      adminKey("org1"),
      "--validator-key",
      join(node5, "node.key.pem"),
      "--name",
      "node5",
      "--id",
      "add-node5",
    );
    expect(proposed).toContain(`proposal add-node5: 1 of ${members.size} organisations approved`);
    await gov("approve", "add-node5", "--key", adminKey("org2"));
    const listed = await gov("list");
    expect(listed).toContain(`a change needs ${needed()} approvals`);
    expect(listed).toContain(`add-node5  pending  approvals 2/${needed()} (org1, org2)`);
    const scheduled = await approveUntilPassed("add-node5", ["org1", "org2"]);
    const effective = BigInt((/applies at height (\d+)/.exec(scheduled) as RegExpExecArray)[1] as string);
    await until(async () => (await (await client(node5)).status()).consensus.role === "validator", 60_000);
    await until(async () => {
      const latest = await entry.block(BigInt((await entry.status()).height));
      return (latest.commit as { signatures: Array<{ validator: string }> }).signatures.some(
        (s) => s.validator === node5Hex,
      );
    }, 60_000);
    expect((await entry.status()).validators).toHaveLength(5);
    expect(await height(homes[0] as string)).toBeGreaterThanOrEqual(effective);
    validatorSetChanges++;

    // Removal: proposed with the CLI, listed and approved through the monitor's API.
    const targets = targetsFromUrls((await Promise.all(homes.slice(0, 5).map(url))).join(","));
    const configPath = join(tempRoot, "monitor.json");
    writeFileSync(configPath, JSON.stringify({ interval: "300ms" }));
    monitor = await runMonitor({
      targets,
      dataDir: join(tempRoot, "monitor"),
      configPath,
      port: 0,
      log: () => {},
    });
    await gov(
      "propose",
      "remove-validator",
      "--key",
      adminKey("org1"),
      "--validator",
      "node5",
      "--id",
      "remove-node5",
    );
    // Every approval but the last by the CLI; org2's, the last, goes through the monitor.
    const cliApprovers = [...members].filter((o) => o !== "org1" && o !== "org2").slice(0, needed() - 2);
    for (const org of cliApprovers) await gov("approve", "remove-node5", "--key", adminKey(org));
    const ops = (path: string, init?: RequestInit) => fetch(`${monitor?.url}${path}`, init);
    await until(async () => (await ops("/v1/ops/governance/proposals")).ok);
    const viaMonitor = (await (await ops("/v1/ops/governance/proposals")).json()) as {
      approvalsNeeded: number;
      proposals: Array<{ id: string; status: string; approvals: string[] }>;
    };
    expect(viaMonitor.approvalsNeeded).toBe(needed()); // one vote per organisation, whatever the validators
    expect(viaMonitor.proposals.find((p) => p.id === "remove-node5")).toMatchObject({
      status: "pending",
      approvals: ["org1", ...cliApprovers].sort(),
    });
    const org2 = keyOf(adminKey("org2"));
    const org2Nonce = (await entry.account(addressOfKey(suite, org2.publicKey.bytes))).nonce;
    const approval = buildSignedTx(
      suite,
      org2,
      { chainId: CHAIN, nonce: org2Nonce, expiryHeight: 100_000n },
      { kind: "approveProposal", value: { proposalId: "remove-node5" } },
    );
    const answer = await ops("/v1/ops/governance/txs", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ tx: Buffer.from(approval.bytes).toString("hex") }),
    });
    expect(answer.status).toBe(200);
    const result = (await answer.json()) as {
      height: string;
      result: { code: string; events: Array<{ type: string }> };
    };
    expect(result.result.code).toBe("OK");
    expect(result.result.events.map((e) => e.type)).toContain("validatorSetScheduled");
    const removedAt = BigInt(result.height) + 2n;
    await until(async () => (await (await client(node5)).status()).consensus.role === "observer", 60_000);
    await until(async () => (await height(homes[0] as string)) >= removedAt + 3n, 60_000);
    expect((await entry.status()).validators.map((v) => v.name)).not.toContain("node5");
    const later = await entry.block(removedAt + 2n);
    expect(
      (later.commit as { signatures: Array<{ validator: string }> }).signatures.map((s) => s.validator),
    ).not.toContain(node5Hex);
    validatorSetChanges++;
  }, 180_000);

  it("lets in an observer governance registers, with no restart, renews its certificate, and shuts it out on removal", async () => {
    const node7 = homes[6] as string;
    const peersOf = async (home: string) => (await (await client(home)).status()).peers;
    // Refused by every node it dials while the chain does not know it.
    await until(async () => (await peersOf(node7)).every((p) => !p.connected && p.lastError !== undefined));
    expect(await height(node7)).toBe(0n);
    const certificate = join(node7, "node.cert.pem");
    const proposed = await gov(
      "propose",
      "add-observer",
      "--key",
      adminKey("org4"),
      "--node-cert",
      certificate,
    );
    const id = proposalId(proposed);
    expect(id).toMatch(/^add-observer-node7-h\d+$/);
    expect(await approveUntilPassed(id, ["org4"])).toMatch(
      /approved by more than 2\/3; applied at height \d+/,
    );
    const nodes = await gov("nodes");
    expect(nodes).toMatch(/node7 {2}observer {2}org4/);
    // The validators permit it at once: it links in on its redial and syncs.
    const target = await answeredHeight(homes[0] as string);
    await until(async () => (await height(node7)) >= target, 60_000, "node7 syncs");
    // It may have synced from another validator first: node1's link comes on node7's next redial.
    await until(
      async () => (await peersOf(homes[0] as string)).find((p) => p.address === "")?.connected === true,
      60_000,
      "node1 links node7 in",
    );

    // Renewal: new certificates for the same keys, recorded by governance with a later expiry.
    const before = /node7 {2}observer {2}org4 {2}\S+ {2}certificate to (\S+)/.exec(nodes)?.[1];
    renew("node7", 730n);
    const renewal = await gov(
      "propose",
      "renew-node-cert",
      "--key",
      adminKey("org4"),
      "--node-cert",
      certificate,
      "--id",
      "renew-node7",
    );
    expect(renewal).toContain(`1 of ${members.size} organisations approved`);
    await approveUntilPassed("renew-node7", ["org4"]);
    const after = /node7 {2}observer {2}org4 {2}\S+ {2}certificate to (\S+)/.exec(await gov("nodes"))?.[1];
    expect(before).toBeDefined();
    expect(after! > before!).toBe(true);
    const listed = await gov("list", "--all");
    expect(listed).toContain("renew node certificate: node7 of org4");

    // Removal: every node drops the link, and its redials are refused again.
    await pass("org1", "remove-observer", "--observer", "node7", "--id", "rm-node7");
    await until(async () => (await peersOf(homes[0] as string)).every((p) => p.address !== ""), 30_000);
    await until(async () => (await peersOf(node7)).every((p) => !p.connected), 30_000);
  }, 180_000);

  it("starts a new node from a verified snapshot, refuses a tampered one, and syncs the rest by blocks", async () => {
    const source = homes[0] as string;
    const node6 = homes[5] as string;
    const h = await answeredHeight(source);
    const file = join(tempRoot, "snapshot.bin");
    // Written while the node runs, with every validator-set change so far in it.
    const written = await runMklNode("snapshot", "--home", source, "--height", h.toString(), "--out", file);
    expect(written.stderr).toBe("");
    expect(written.stdout).toMatch(new RegExp(`^snapshot of height ${h} in .*verified`));
    expect(readSnapshotContents(file).header.setChanges).toHaveLength(validatorSetChanges);
    // One byte more in the last entry's value: its state no longer hashes to the signed root.
    const tamperedFile = rewriteSnapshot(file, join(tempRoot, "tampered.bin"), (s) => {
      const last = s.entries.at(-1) as (typeof s.entries)[number];
      last.value = Uint8Array.from([...last.value, 1]);
      return s;
    });
    const refused = await runMklNode("restore", "--home", node6, "--snapshot", tamperedFile);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(
      /snapshot refused: its \d+ entries hash to state root .* \[SNAPSHOT_STATE_MISMATCH\]/,
    );
    const restored = await runMklNode("restore", "--home", node6, "--snapshot", file);
    expect(restored.stderr).toBe("");
    expect(restored.status).toBe(0);
    expect(restored.stdout).toContain(`restored height ${h}`);
    start(node6);
    const target = await answeredHeight(source);
    await until(async () => (await height(node6)) >= target + 2n, 60_000);
    const [ours, theirs] = await Promise.all(
      [node6, source].map(async (home) => (await (await client(home)).block(target + 1n)).hash),
    );
    expect(ours).toBe(theirs);
    expect((await (await client(node6)).status()).consensus.role).toBe("observer");
  }, 120_000);

  it("admits an organisation by governance: its admin registers a member and an observer, which then follows the chain", async () => {
    const node8 = homes[7] as string;
    start(node8);
    const buyer = await admitOrganisation("org5");
    expect(await gov("list")).toContain(
      `${members.size} member organisations, a change needs ${needed()} approvals`,
    );
    // The buyer signs: the chain takes its signature and refuses only for its empty balance.
    const paid = await transferBy(buyer);
    expect(paid.exit).toBe(1);
    expect(paid.out).toContain("INSUFFICIENT_FUNDS");
    // The chain's own sender checks at GET /v1/signers (what the monitor asks of an operator's key):
    // active now, refused with IDENTITY_REVOKED once its admin revokes it.
    const entry = await client(homes[0] as string);
    const buyerKey = keyOf(buyer).publicKey.bytes;
    expect(await entry.signer(toHex(buyerKey))).toMatchObject({ role: "buyer", status: "active" });
    const revocation = { code: userCodeOf(suite.hash, buyerKey), reason: "keyCompromise" };
    const revoked = await mklAt(
      "tx",
      "revokeCertificate",
      "--key",
      adminKey("org5"),
      "--value",
      JSON.stringify(revocation),
    );
    expect(revoked.out).toMatch(/^OK at height/);
    await expect(entry.signer(toHex(buyerKey))).rejects.toMatchObject({
      code: "IDENTITY_REVOKED",
      status: 403,
    });
    // Its observer is refused until governance registers it; its own admin proposes that.
    expect(await height(node8)).toBe(0n);
    await pass("org5", "add-observer", "--node-cert", join(node8, "node.cert.pem"));
    expect(await gov("nodes")).toMatch(/node8 {2}observer {2}org5/);
    const target = await answeredHeight(homes[0] as string);
    await until(async () => (await height(node8)) >= target, 60_000, "node8 syncs");
    const [ours, theirs] = await Promise.all(
      [node8, homes[0] as string].map(async (home) => (await (await client(home)).block(target)).hash),
    );
    expect(ours).toBe(theirs);
  }, 120_000);

  it("removes an organisation by governance: its admin and members can no longer sign (ORG_REMOVED)", async () => {
    addOrg("org6");
    const buyer = await admitOrganisation("org6");
    expect((await transferBy(buyer)).out).toContain("INSUFFICIENT_FUNDS");
    await pass("org1", "remove-org", "--org", "org6");
    members.delete("org6");
    for (const key of [buyer, adminKey("org6")]) {
      const refused = await transferBy(key);
      expect(refused.exit).toBe(1);
      expect(refused.out).toContain("ORG_REMOVED");
    }
    await expect(
      (await client(homes[0] as string)).signer(toHex(keyOf(buyer).publicKey.bytes)),
    ).rejects.toMatchObject({
      code: "ORG_REMOVED",
      status: 403,
    });
    const vote = await mklAt("gov", "propose", "remove-org", "--key", adminKey("org6"), "--org", "org1");
    expect(vote.exit).toBe(1);
    expect(vote.out).toContain("ORG_REMOVED");
    expect(await gov("list")).toContain(`${members.size} member organisations`);
  }, 120_000);

  it("renews a validator's node certificate by governance: registered near expiry it alerts (source chain), renewed again the alert resolves; restarted on the new files, it signs again", async () => {
    const node2 = homes[1] as string;
    const recorded = async () =>
      (/node2 {2}validator power \d+ {2}org2 {2}\S+ {2}(.*)/.exec(await gov("nodes")) as RegExpExecArray)[1];
    const before = await recorded();
    const startHeight = await answeredHeight(homes[0] as string);
    // The monitor reads what the chain registered for each node (gov/node/) as source="chain".
    const targets = await Promise.all(
      validators().map(async (home, i) => ({ name: `node${i + 1}`, url: await url(home) })),
    );
    const configPath = join(tempRoot, "expiry-monitor.json");
    writeFileSync(configPath, JSON.stringify({ interval: "300ms" }));
    const watching = await runMonitor({
      targets,
      dataDir: join(tempRoot, "expiry-monitor"),
      configPath,
      port: 0,
      log: () => {},
    });
    const chainExpiry = () =>
      watching.monitor.alerts
        .list()
        .find(
          (a: Alert) =>
            a.rule === "NodeCertificateExpiring" && a.node === "node2" && a.labels.source === "chain",
        );
    /** node2's certificates renewed for `days`, and recorded on the chain by governance. */
    const renewed = async (days: bigint, id: string) => {
      renew("node2", days);
      await pass("org2", "renew-node-cert", "--node-cert", join(node2, "node.cert.pem"), "--id", id);
    };
    try {
      // Registered to lapse in 5 days, inside the rule's 14.
      await renewed(5n, "renew-node2-short");
      await until(() => chainExpiry()?.state === "firing", 30_000, "the chain's expiry of node2 alerts");
      expect(chainExpiry()?.labels).toEqual({ scope: "node", source: "chain" });
      // Renewed for two years: the registered expiry moves out of the window and the alert resolves.
      await renewed(730n, "renew-node2");
      await until(() => chainExpiry() === undefined, 30_000, "the alert resolves");
      const history = await watching.monitor.history.alertHistory();
      expect(
        history.find(
          (a) => a.rule === "NodeCertificateExpiring" && a.node === "node2" && a.labels.source === "chain",
        ),
      ).toMatchObject({ state: "resolved" });
    } finally {
      await watching.stop();
    }
    expect(await gov("list", "--all")).toContain("renew node certificate: node2 of org2");
    const after = await recorded();
    expect(after).toMatch(/^certificate to \d{4}-\d{2}-\d{2}$/);
    expect(after).not.toBe(before);
    const node2Hex = Buffer.from(keyOf(join(node2, "node.key.pem")).publicKey.bytes).toString("hex");
    // On its next start it presents the renewed certificates; its peers take them and it votes.
    await stopChild((processes.get(node2) as NodeProcessInfo).child);
    start(node2);
    const entry = await client(homes[0] as string);
    const restartedAt = await answeredHeight(homes[0] as string);
    await until(
      async () => {
        const latest = BigInt((await entry.status()).height);
        if (latest <= restartedAt + 1n) return false; // a block committed once it was gone
        const block = await entry.block(latest);
        return (block.commit as { signatures: Array<{ validator: string }> }).signatures.some(
          (s) => s.validator === node2Hex,
        );
      },
      60_000,
      "node2 signs again",
    );
    expect(await answeredHeight(homes[0] as string)).toBeGreaterThan(startHeight);
  }, 150_000);
});
