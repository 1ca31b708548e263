import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPostgres } from "../../src/integrations/indexer/postgres.test-util.js";
import {
  chainEvents,
  createTestChainHome,
  suite,
  type TestChainHome,
  type WithdrawalJson,
  withdrawalsOf,
} from "../../src/integrations/testkit.test-util.js";
import { signSubscriptionRequest } from "../../src/integrations/webhooks/authorise.js";
import { inBlockOrder, Receiver } from "../../src/integrations/webhooks/receiver.test-util.js";
import { fromHex, toHex } from "../../src/ledger/bytes.js";
import { txHash } from "../../src/ledger/tx.js";
import { writeSecretFile } from "../../src/node/files.js";
import { startDemoMarketing } from "../../src/ops/demo-marketing.js";
import { type NodeProcessInfo, stopChild } from "../../src/ops/network-up.js";
import { freePort } from "../../src/ops/peers.js";
import { decodeUserCode } from "../../src/pki/user-code.js";
import { MarketLedgerClient, TxSender } from "../../src/sdk/index.js";
import { type CliProcess, killNode, startCli, startNode, until } from "./harness.js";

/**
 * Issue 13's "done when": sales driven from order to settlement and payout while the webhook
 * service, the payment connector, its simulated provider and the PostgreSQL indexer each run as
 * their own `mkl` process beside a node process. In the middle the node restarts and the
 * connector is SIGKILLed between paying and recording; afterwards the receiver (signatures,
 * block order, de-duplication by event id) holds exactly the chain's events, the provider paid
 * each withdrawal once, and the indexer's totals equal the chain's own queries.
 */

const CHAIN_ID = "integrations-e2e";
let root: string;
let chain: TestChainHome;
let url: string;
let node: NodeProcessInfo;
let postgres: Awaited<ReturnType<typeof startPostgres>>;
let sql: pg.Pool;
let receiver: Receiver;
let simulator: CliProcess;
let simulatorUrl: string;
let hooks: CliProcess;
let hooksUrl: string;
let indexer: CliProcess;
let connector: CliProcess;
let stopDemo: () => void = () => {};
const keyFile = () => join(root, "pay-co.key.pem");

const json = async <T>(path: string, init?: RequestInit): Promise<T> =>
  (await (await fetch(path.startsWith("http") ? path : `${url}${path}`, init)).json()) as T;
const height = async () => BigInt((await json<{ height: string }>("/v1/status")).height);

const withdrawals = () => withdrawalsOf(url);
const book = () =>
  json<{ calls: number; payouts: Record<string, { result: { status: string; reference?: string } }> }>(
    `${simulatorUrl}/v1/payouts`,
  );
const payoutKey = (w: WithdrawalJson) => `mkl-withdrawal/org1/${w.id}`;

function startConnector(): CliProcess {
  return startCli(
    [
      "connector",
      "payments",
      "--node",
      url,
      "--key",
      keyFile(),
      "--data",
      join(root, "connector"),
      "--provider",
      "simulator",
      "--provider-url",
      simulatorUrl,
    ],
    /payment connector mkl1\S+ following/,
  );
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "mkl-integrations-e2e-"));
  const apiPort = await freePort();
  chain = createTestChainHome(CHAIN_ID, {
    api: { host: "127.0.0.1", port: apiPort },
    emptyBlockIntervalMs: 100,
  });
  writeSecretFile(keyFile(), suite.privateKeyToPem(chain.key("pay-co").privateKey));
  node = startNode(chain.home);
  receiver = new Receiver();
  [postgres, url] = await Promise.all([startPostgres(), node.apiUrl, receiver.start()]);
  sql = new pg.Pool({ connectionString: postgres.url, max: 1 });
  simulator = startCli(
    [
      "connector",
      "payments-simulator",
      "--data",
      join(root, "simulator"),
      "--port",
      "0",
      // Long enough for the test to SIGKILL the connector after the provider paid and before it answered.
      "--answer-delay-ms",
      "300",
    ],
    /listening on (http:\/\/[\d.:]+)/,
  );
  hooks = startCli(
    ["webhooks", "serve", "--node", url, "--data", join(root, "hooks"), "--port", "0", "--retry-ms", "50"],
    /listening on (http:\/\/[\d.:]+)/,
  );
  indexer = startCli(["indexer", "--pg", postgres.url, "--node", url], /indexing /);
  const [sim, hook] = await Promise.all([simulator.ready, hooks.ready]);
  simulatorUrl = sim[1] as string;
  hooksUrl = hook[1] as string;
  connector = startConnector();
  await Promise.all([indexer.ready, connector.ready]);
}, 120_000);

afterAll(async () => {
  stopDemo();
  const children = [node, simulator, hooks, indexer, connector].filter((p) => p !== undefined);
  await Promise.all(children.map((p) => stopChild(p.child)));
  await sql?.end();
  postgres?.stop();
  await receiver?.stop();
  if (chain !== undefined) rmSync(chain.home, { recursive: true, force: true });
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
});

/** Every transaction hash of blocks 0..head, read from the blocks themselves. */
async function chainTxHashes(head: bigint): Promise<string[]> {
  const hashes: string[] = [];
  for (let from = 0n; from <= head; from += 32n) {
    const heights = Array.from({ length: Number(head - from + 1n < 32n ? head - from + 1n : 32n) }, (_, i) =>
      String(from + BigInt(i)),
    );
    const blocks = await Promise.all(heights.map((h) => json<{ txs: string[] }>(`/v1/blocks/${h}`)));
    for (const b of blocks) for (const tx of b.txs) hashes.push(toHex(txHash(suite, fromHex(tx))));
  }
  return hashes;
}

describe("integrations as separate processes", () => {
  it("lose and duplicate nothing across a node restart and a connector SIGKILL", async () => {
    // The enterprise subscribes; it pays commissions out at once and lets pay-co pay them.
    const signed = signSubscriptionRequest(
      suite,
      chain.key("enterprise-a"),
      { url: receiver.url, scope: { enterprise: "org1" } },
      Date.now(),
    );
    const subscription = await json<{ id: string; secret: string; fromHeight: string }>(
      `${hooksUrl}/v1/subscriptions`,
      { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(signed) },
    );
    receiver.secrets.set(subscription.id, subscription.secret);
    const sender = await TxSender.connect(new MarketLedgerClient(url), suite);
    const enterprise = chain.demoKeys.enterprise;
    await sender.ok(enterprise, {
      kind: "setPayoutOptions",
      value: { idempotencyKey: "e2e-instant", instantPayout: true },
    });
    await sender.ok(enterprise, {
      kind: "authorisePaymentService",
      value: { idempotencyKey: "e2e-auth", code: decodeUserCode(chain.code("pay-co")), authorised: true },
    });
    stopDemo = await startDemoMarketing({
      apiUrl: url,
      suite,
      chainId: CHAIN_ID,
      keys: chain.demoKeys,
      stepMs: 20,
      log: () => {},
    });
    await until(
      async () =>
        receiver.events.some((e) => e.type === "commissionSettled") &&
        Object.keys((await book()).payouts).length > 0,
      60_000,
    );

    // The node restarts while the demo keeps sending and every integration keeps following.
    const before = await height();
    await stopChild(node.child);
    node = startNode(chain.home);
    expect(await node.apiUrl).toBe(url);
    await until(async () => (await height()) > before + 5n, 30_000);

    // The connector dies after the provider paid a withdrawal and before the chain recorded it.
    let paidNotRecorded: WithdrawalJson | undefined;
    await until(async () => {
      const { payouts } = await book();
      paidNotRecorded = (await withdrawals()).find(
        (w) => w.status === "requested" && payouts[payoutKey(w)] !== undefined,
      );
      return paidNotRecorded !== undefined;
    }, 60_000);
    await killNode(connector.child);
    expect((await withdrawals()).find((w) => w.id === paidNotRecorded!.id)?.status).toBe("requested");
    const paidBeforeRestart = Object.keys((await book()).payouts).length;
    connector = startConnector();
    await connector.ready;
    await until(async () => Object.keys((await book()).payouts).length > paidBeforeRestart + 1, 60_000);

    // Quiet: the demo stops, every withdrawal is decided and every integration has caught up.
    stopDemo();
    await until(async () => (await json<{ mempool: { txs: number } }>("/v1/status")).mempool.txs === 0);
    const settled = await height();
    await until(async () => (await height()) >= settled + 2n);
    await until(async () => (await withdrawals()).every((w) => w.status !== "requested"), 60_000);
    await until(async () => (await json<{ mempool: { txs: number } }>("/v1/status")).mempool.txs === 0);
    const head = await height();
    const adminToken = readFileSync(join(root, "hooks", "admin.token"), "utf8").trim();
    await until(async () => {
      const health = await json<{ cursor: string | null }>(`${hooksUrl}/healthz`);
      const { subscriptions } = await json<{ subscriptions: Array<{ queued: number }> }>(
        `${hooksUrl}/v1/subscriptions`,
        { headers: { authorization: `Bearer ${adminToken}` } },
      );
      return BigInt(health.cursor ?? -1) >= head && subscriptions.every((s) => s.queued === 0);
    }, 30_000);
    await until(
      async () => BigInt((await sql.query("SELECT height FROM mkl_cursor")).rows[0].height) >= head,
      30_000,
    );

    // The receiver: every event of the enterprise up to head, once each, signed, in block order.
    expect(receiver.badSignatures).toBe(0);
    expect(receiver.outOfOrder).toBe(0);
    const got = receiver.of(subscription.id).filter((e) => BigInt(e.height) <= head);
    expect(inBlockOrder(got.map((e) => e.id))).toBe(true);
    const expected = await chainEvents(url, { enterprise: "org1" }, BigInt(subscription.fromHeight), head);
    expect(got.map((e) => e.id)).toEqual(expected.map((e) => e.id));
    // A whole sale among them: an order from creation to its settlement and the payout recorded.
    const settledOrders = got.filter((e) => e.type === "commissionSettled").map((e) => e.attributes.orderId);
    const whole = settledOrders.find((id) =>
      ["orderCreated", "orderPaid", "orderCompleted"].every((type) =>
        got.some((e) => e.type === type && e.attributes.orderId === id),
      ),
    );
    expect(whole).toBeDefined();
    expect(got.some((e) => e.type === "withdrawalPaid")).toBe(true);

    // The provider: one payout per withdrawal, the one the chain recorded; the killed call was replayed.
    const decided = await withdrawals();
    const after = await book();
    expect(Object.keys(after.payouts).sort()).toEqual(decided.map(payoutKey).sort());
    for (const w of decided) {
      expect(w.status).toBe("paid");
      expect(w.externalReference).toBe(after.payouts[payoutKey(w)]!.result.reference);
    }
    expect(after.calls).toBeGreaterThan(Object.keys(after.payouts).length);

    // The indexer: its totals are the chain's, every block and transaction once.
    const cost = await json<Record<string, string>>("/v1/marketing/enterprises/org1/cost");
    const sales = await json<{ rows: Array<{ completedOrders: number }> }>(
      "/v1/marketing/enterprises/org1/sales/product",
    );
    const { rows } = await sql.query(`SELECT
      (SELECT COALESCE(SUM(amount_fen), 0)::TEXT FROM settlements WHERE enterprise = 'org1') AS settled,
      (SELECT COALESCE(SUM(amount_fen), 0)::TEXT FROM commissions WHERE enterprise = 'org1' AND kind = 'clawed-back') AS "clawedBack",
      (SELECT COALESCE(SUM((attributes->>'nettedDebtFen')::NUMERIC), 0)::TEXT FROM events
        WHERE type = 'commissionSettled' AND attributes->>'enterprise' = 'org1') AS netted,
      (SELECT COUNT(*)::INT FROM orders WHERE enterprise = 'org1' AND status = 'completed') AS completed,
      (SELECT COUNT(*)::INT FROM withdrawals WHERE status = 'paid') AS paid,
      (SELECT COALESCE(SUM(amount_fen), 0)::TEXT FROM withdrawals WHERE status = 'paid') AS "paidFen",
      (SELECT COUNT(*)::INT FROM blocks WHERE height <= ${head}) AS blocks`);
    const indexed = rows[0];
    // Per payee, as the chain keeps them: paid out at once, a clawback is mostly the marketer's debt
    // (not escrow returned), and a later settlement nets it (the escrow's settledFen is the cash part).
    const payees = await sql.query("SELECT DISTINCT payee FROM commissions");
    const earnings = await Promise.all(
      payees.rows.map((r) =>
        json<{ settledFen: string; clawedBackFen: string }>(
          `/v1/marketing/enterprises/org1/marketers/${r.payee as string}/earnings`,
        ),
      ),
    );
    const total = (field: "settledFen" | "clawedBackFen") =>
      earnings.reduce((sum, e) => sum + BigInt(e[field]), 0n).toString();
    expect(indexed.settled).toBe(total("settledFen"));
    expect(indexed.clawedBack).toBe(total("clawedBackFen"));
    expect(BigInt(indexed.settled) - BigInt(indexed.netted)).toBe(BigInt(cost.settledFen ?? -1));
    expect(indexed.paidFen).toBe(cost.withdrawnFen);
    expect(indexed.completed).toBe(sales.rows.reduce((sum, r) => sum + Number(r.completedOrders), 0));
    expect(indexed.paid).toBe(decided.length);
    expect(indexed.paidFen).toBe(decided.reduce((sum, w) => sum + BigInt(w.amountFen), 0n).toString());
    expect(indexed.blocks).toBe(Number(head) + 1);
    const indexedTxs = await sql.query(`SELECT hash FROM transactions WHERE height <= ${head}`);
    const chainTxs = await chainTxHashes(head);
    expect(indexedTxs.rows.map((r) => r.hash as string).sort()).toEqual([...chainTxs].sort());
  }, 240_000);
});
