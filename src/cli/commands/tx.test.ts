import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OPERATION_KINDS } from "../../app/operations/input.js";
import { getSuite } from "../../crypto/index.js";
import { type RunningNode, runNode } from "../../node/run.js";
import { seedDemoGenesis } from "../../ops/demo-genesis.js";
import { userCodeOf } from "../../pki/user-code.js";
import { until } from "../../until.test-util.js";
import { runCliCaptured } from "../run.test-util.js";
import { initNetwork } from "./network.js";

/**
 * `mkl tx` and the per-domain commands against a running node of a generated network: every
 * kind of operation the CLI can sign goes through, a refusal exits 1 with the chain's code,
 * bad input exits 2 and sends nothing.
 */

const suite = getSuite("ed25519");
let dir: string;
let running: RunningNode;
let node: string;

const tx = (kind: string, keyFile: string, value: object, ...more: string[]) =>
  runCliCaptured("tx", kind, "--node", node, "--key", keyFile, "--value", JSON.stringify(value), ...more);
const file = (...parts: string[]) => join(dir, ...parts);
const attribute = (out: string, type: string, name: string) => {
  const line = out.split("\n").find((l) => l.trimStart().startsWith(`${type} `));
  return line === undefined ? undefined : (JSON.parse(line.trim().slice(type.length + 1))[name] as string);
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "mkl-tx-"));
  initNetwork(
    { orgs: "1", suite: "ed25519", out: join(dir, "net"), chainId: "tx-cli", days: "30" },
    () => {},
  );
  seedDemoGenesis(join(dir, "net"));
  const configPath = file("net", "node1", "config.json");
  const config = JSON.parse(readFileSync(configPath, "utf8"));
  writeFileSync(
    configPath,
    JSON.stringify({
      ...config,
      api: { host: "127.0.0.1", port: 0 },
      p2p: { ...config.p2p, port: 0 },
      emptyBlockIntervalMs: 50,
    }),
  );
  running = await runNode(file("net", "node1"), pino({ level: "silent" }));
  node = running.apiUrl;
}, 60_000);

afterAll(async () => {
  await running?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("mkl tx: every operation from the command line", () => {
  it("lists every operation kind of the chain", async () => {
    const { out } = await runCliCaptured("tx", "--help");
    for (const kind of OPERATION_KINDS) expect(out).toContain(kind);
  });

  it("bad input exits 2 naming the field, and nothing is signed or sent", async () => {
    const enterprise = file("net", "demo", "enterprise-a.key.pem");
    const bad = await tx("createOrder", enterprise, { idempotencyKey: "o", enterprise: "Org 1", lines: [] });
    expect(bad.exit).toBe(2);
    expect(bad.out).toContain("OPERATION_INPUT_INVALID");
    expect(bad.out).toMatch(/enterprise: an organisation id/);
    expect(bad.out).toMatch(/lines: /);
    expect(bad.out).toMatch(/buyerCommitment: /);
    expect((await tx("noSuchKind", enterprise, {})).exit).toBe(2);
    expect((await tx("depositEscrow", enterprise, { idempotencyKey: "d", amountFen: 1.5 })).exit).toBe(2);
    expect(
      (await tx("depositEscrow", enterprise, { idempotencyKey: "d", amountFen: "1", extra: 1 })).exit,
    ).toBe(2);
    expect(
      (await runCliCaptured("tx", "transfer", "--node", node, "--key", file("missing.pem"), "--value", "{"))
        .exit,
    ).toBe(2);
  });

  it("a sale from catalogue to withdrawal, identities and governance, all through the CLI", async () => {
    const key = (name: string) => file("net", "demo", `${name}.key.pem`);
    const enterprise = key("enterprise-a");
    const li = key("marketer-li");
    const zhao = key("buyer-zhao");
    const liCode = userCodeOf(
      suite.hash,
      suite.publicKeyOf(suite.privateKeyFromPem(readFileSync(li, "utf8"))).bytes,
    );
    const ok = async (run: Promise<{ exit: number; out: string }>) => {
      const result = await run;
      expect(result.out).toMatch(/^OK at height \d+, tx [0-9a-f]{64}/);
      expect(result.exit).toBe(0);
      return result.out;
    };

    await ok(
      tx("importBatch", enterprise, {
        idempotencyKey: "cat-1",
        products: [{ sku: "TEA-1", name: "Tea", priceFen: "10000", stock: "10", channels: ["online"] }],
        marketers: [{ code: liCode }],
      }),
    );
    await ok(
      tx("setRoyaltyPolicy", enterprise, {
        idempotencyKey: "pol-1",
        policyId: "base",
        scopeKind: "enterprise",
        rules: { baseBps: 1000 },
      }),
    );
    await ok(
      tx("depositEscrow", enterprise, { idempotencyKey: "dep-1", amountFen: "500000", reference: "FIN-1" }),
    );
    const referralOut = await ok(
      tx("createReferralCode", li, { idempotencyKey: "ref-1", enterprise: "org1", sku: "TEA-1" }),
    );
    const referralCode = attribute(referralOut, "referralCreated", "code");
    const order = (idempotencyKey: string) =>
      tx("createOrder", zhao, {
        idempotencyKey,
        enterprise: "org1",
        channel: "online",
        lines: [{ sku: "TEA-1", quantity: 1, referralCode }],
        buyerCommitment: "ab".repeat(32),
      });
    const orderId = attribute(await ok(order("ord-1")), "orderCreated", "orderId");
    const step = (kind: string, signer: string, reason: string, id = orderId) =>
      tx(kind, signer, { idempotencyKey: `${kind}-${id}`, orderId: id, reason });
    await ok(
      tx("confirmPayment", enterprise, { idempotencyKey: "pay-1", orderId, amountReceivedFen: "10000" }),
    );
    await ok(step("shipOrder", enterprise, "shipped"));
    await ok(step("confirmDelivery", enterprise, "delivered"));
    const settledOut = await ok(step("confirmReceipt", zhao, "buyer-confirmed"));
    expect(attribute(settledOut, "commissionSettled", "amountFen")).toBe("1000");
    // Refused by the chain: exit 1, its code and the result printed.
    const again = await tx("shipOrder", enterprise, {
      idempotencyKey: "ship-again",
      orderId,
      reason: "shipped",
    });
    expect(again.exit).toBe(1);
    expect(again.out).toMatch(/^ORDER_BAD_STATE \(orderId=\d+, status=completed\) at height \d+/);
    expect(again.out).toContain("[ORDER_BAD_STATE]");
    await ok(
      tx("refundOrder", enterprise, {
        idempotencyKey: "ref-part",
        orderId,
        amountFen: "2000",
        reason: "price-adjustment",
      }),
    );
    const withdrawalOut = await ok(
      tx("requestWithdrawal", li, { idempotencyKey: "wd-1", enterprise: "org1", amountFen: "500" }),
    );
    const withdrawalId = Number(attribute(withdrawalOut, "withdrawalRequested", "withdrawalId"));
    await ok(
      tx("decideWithdrawal", enterprise, {
        idempotencyKey: "wd-1-paid",
        enterprise: "org1",
        withdrawalId,
        paid: true,
        externalReference: "BANK-77",
      }),
    );
    const second = attribute(await ok(order("ord-2")), "orderCreated", "orderId");
    await ok(tx("touchReferral", zhao, { idempotencyKey: "touch-2", orderId: second, referralCode }));
    await ok(step("cancelOrder", zhao, "customer-request", second));
    await ok(tx("transfer", enterprise, { to: "00".repeat(20), amountFen: "1", memo: "cli" }));

    // A second organisation joins (as mkl network add-org prepares it) by governance: the one
    // member's admin is more than 2/3. Then its admin, then one of its identities.
    expect(
      (await runCliCaptured("network", "add-org", "--dir", file("net"), "--id", "org2", "--name", "Pay Co"))
        .exit,
    ).toBe(0);
    const operator = file("net", "operator", "operator.key.pem");
    const admitted = await ok(
      runCliCaptured(
        "gov",
        "propose",
        "admit-org",
        "--node",
        node,
        "--key",
        file("net", "orgs", "org1", "admin.key.pem"),
        "--org",
        "org2",
        "--name",
        "Pay Co",
        "--ca-cert",
        file("net", "orgs", "org2", "ca.cert.pem"),
      ),
    );
    expect(admitted).toContain("organisationRegistered");
    await ok(
      runCliCaptured(
        "tx",
        "registerIdentity",
        "--node",
        node,
        "--key",
        operator,
        "--value-file",
        file("net", "orgs", "org2", "register-admin.json"),
      ),
    );
    const payKey = file("pay.key.pem");
    expect((await runCliCaptured("cert", "keygen", "--suite", "ed25519", "--out", payKey)).exit).toBe(0);
    expect(
      (
        await runCliCaptured(
          "cert",
          "csr",
          "--key",
          payKey,
          "--org",
          "org2",
          "--role",
          "enterprise",
          "--out",
          file("pay.csr"),
        )
      ).exit,
    ).toBe(0);
    const org2 = file("net", "orgs", "org2");
    const issued = await runCliCaptured(
      "cert",
      "issue",
      "--ca-cert",
      join(org2, "ca.cert.pem"),
      "--ca-key",
      join(org2, "ca.key.pem"),
      "--csr",
      file("pay.csr"),
      "--out",
      file("pay.cert.pem"),
    );
    expect(issued.exit).toBe(0);
    const registered = await ok(
      runCliCaptured(
        "tx",
        "registerIdentity",
        "--node",
        node,
        "--key",
        join(org2, "admin.key.pem"),
        "--field-file",
        `certificate=${file("pay.cert.pem")}`,
      ),
    );
    const payCode = attribute(registered, "identityRegistered", "code") as string;
    await ok(
      tx("authorisePaymentService", enterprise, { idempotencyKey: "psp-1", code: payCode, authorised: true }),
    );
    await ok(
      tx("revokeCertificate", join(org2, "admin.key.pem"), { code: payCode, reason: "affiliationChanged" }),
    );

    // Governance: a power change proposed and approved by both organisations' admins, in `mkl gov` verbs.
    const status = (await (await fetch(`${node}/v1/status`)).json()) as {
      validators: Array<{ publicKey: string; name: string }>;
    };
    const validator = status.validators[0]!;
    const org1Admin = file("net", "orgs", "org1", "admin.key.pem");
    const gov = (...args: string[]) => runCliCaptured("gov", ...args, "--node", node);
    const proposed = await ok(
      gov(
        "propose",
        "set-power",
        "--key",
        org1Admin,
        "--validator",
        validator.name,
        "--power",
        "20",
        "--id",
        "power-up",
      ),
    );
    expect(proposed).toContain("proposal power-up: 1 of 2 organisations approved");
    const read = async (run: Promise<{ exit: number; out: string }>) => {
      const result = await run;
      expect(result.exit).toBe(0);
      return result.out;
    };
    const pending = await read(gov("list"));
    expect(pending).toContain("2 member organisations, a change needs 2 approvals");
    expect(pending).toMatch(/power-up {2}pending {2}approvals 1\/2 \(org1\)/);
    expect(pending).toContain(`${validator.name} (${validator.publicKey.slice(0, 12)}…) power 20`);
    const listed = JSON.parse(await read(gov("list", "--json"))) as {
      proposals: Array<{ approvals: string[] }>;
    };
    expect(listed.proposals[0]?.approvals).toEqual(["org1"]);
    // Bad input exits 2 and sends nothing; a second approval by the same organisation is refused (1).
    const unknown = await gov("propose", "remove-validator", "--key", org1Admin, "--validator", "nobody");
    expect(unknown.exit).toBe(2);
    expect(unknown.out).toContain(`no validator "nobody"; the validators are ${validator.name}`);
    expect(
      (await gov("propose", "set-power", "--key", org1Admin, "--validator", validator.name, "--power", "0"))
        .exit,
    ).toBe(2);
    expect(
      (await gov("propose", "add-validator", "--key", org1Admin, "--validator-key", "zz", "--name", "x"))
        .exit,
    ).toBe(2);
    const twice = await gov("approve", "power-up", "--key", org1Admin);
    expect(twice.exit).toBe(1);
    expect(twice.out).toContain("[GOVERNANCE_ALREADY_APPROVED]");
    const approved = await ok(gov("approve", "power-up", "--key", join(org2, "admin.key.pem")));
    expect(approved).toContain("validatorSetScheduled");
    expect(approved).toMatch(/proposal power-up: approved by more than 2\/3; applies at height \d+/);
    // Scheduled, the proposal is closed: one more approval is refused (1) with the chain's code.
    const late = await gov("approve", "power-up", "--key", org1Admin);
    expect([late.exit, late.out]).toEqual([1, expect.stringContaining("[GOVERNANCE_CLOSED]")]);
    expect((await gov("approve", "no-such", "--key", org1Admin)).out).toContain("[GOVERNANCE_UNKNOWN]");
    // Listed until the height it applies at; then only with --all.
    await until(
      async () => (await read(gov("list"))).includes("no pending proposals"),
      30_000,
      "no pending proposals",
    );
    expect(await read(gov("list", "--all"))).toMatch(
      /power-up {2}(scheduled for \d+|applied) {2}approvals 2\/2 \(org1, org2\)/,
    );
  }, 90_000);

  it("a transaction the node refuses exits 1 with the node's code", async () => {
    // An outside marketer may not sign an import: refused at admission, nothing committed.
    const refused = await tx("importBatch", file("net", "demo", "marketer-wang.key.pem"), {
      idempotencyKey: "not-mine",
      products: [{ sku: "X-1", name: "X", priceFen: "1", stock: "1", channels: ["online"] }],
    });
    expect(refused.exit).toBe(1);
    expect(refused.out).toMatch(/may not sign importBatch/);
    const unreachable = await runCliCaptured(
      "tx",
      "transfer",
      "--node",
      "http://127.0.0.1:9",
      "--key",
      file("net", "demo", "buyer-zhao.key.pem"),
      "--value",
      JSON.stringify({ to: "00".repeat(20), amountFen: "1" }),
    );
    expect(unreachable.exit).toBe(1);
    expect(unreachable.out).toContain("NODE_UNREACHABLE");
  });
});
