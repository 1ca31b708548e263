import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addressOf } from "../../../app/address.js";
import { consortiumKeys, consortiumPki, T0 } from "../../../app/marketing/testkit.test-util.js";
import { registerMarketingCommands } from "../../../cli/commands/marketing.js";
import { getSuite } from "../../../crypto/index.js";
import type { KeyPair } from "../../../crypto/suite.js";
import { fromHex, toHex } from "../../../ledger/bytes.js";
import { decode, stateProofCodec, verifyStateProof } from "../../../ledger/index.js";
import { startDemoMarketing } from "../../../ops/demo-marketing.js";
import { userCodeBytesOf, userCodeOf } from "../../../pki/user-code.js";
import {
  MarketLedgerClient,
  PAYMENT_REQUEST,
  SIMULATED_PAYMENTS_PATH,
  signedInit,
  TxSender,
} from "../../../sdk/index.js";
import { until } from "../../../until.test-util.js";
import { initSoloHome } from "../../home.js";
import { PaymentSimulator } from "../../payment-simulator.js";
import { type RunningNode, runNode } from "../../run.js";

/**
 * A real node with the marketing demo flowing: the queries answer, their proofs verify against
 * the committed header, the payout CSV downloads, and the CLI imports a batch.
 */

const suite = getSuite("ed25519");
// buyer-qian pays in the simulator; buyer-zhao is the demo's, which signs in the background.
const names = [
  "enterprise-a",
  "marketer-li",
  "marketer-wang",
  "buyer-zhao",
  "payment-sim",
  "buyer-qian",
] as const;
const keys = new Map<string, KeyPair>(names.map((n) => [n, suite.generateKeyPair()]));
const key = (n: string) => keys.get(n) as KeyPair;
let home: string;
let running: RunningNode;
let stopDemo: () => void = () => {};

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "mkl-mkt-api-"));
  initSoloHome(home, {
    suite: "ed25519",
    chainId: "mkt-api",
    apiPort: 0,
    fundedAccounts: [],
    genesisTimeMs: T0,
  });
  const genesis = JSON.parse(readFileSync(join(home, "genesis.json"), "utf8"));
  const { pki, organisations } = consortiumPki(consortiumKeys(suite));
  const roles = {
    "enterprise-a": "enterprise",
    "marketer-li": "employee-marketer",
    "marketer-wang": "outside-marketer",
    "buyer-zhao": "buyer",
    "payment-sim": "enterprise",
    "buyer-qian": "buyer",
  };
  const orgOf: Partial<Record<(typeof names)[number], string>> = {
    "enterprise-a": "org1",
    "marketer-li": "org1",
    "payment-sim": "org2",
  };
  Object.assign(genesis, {
    pki,
    organisations,
    identities: names.map((n) => ({
      role: roles[n],
      ...(orgOf[n] ? { organisation: orgOf[n] } : {}),
      publicKey: toHex(key(n).publicKey.bytes),
    })),
    accounts: [
      { address: toHex(addressOf(suite.hash, key("enterprise-a").publicKey.bytes)), balanceFen: "50000000" },
    ],
  });
  writeFileSync(join(home, "genesis.json"), JSON.stringify(genesis));
  writeFileSync(
    join(home, "config.json"),
    JSON.stringify({
      moniker: "mkt",
      api: { host: "127.0.0.1", port: 0 },
      emptyBlockIntervalMs: 50,
      paymentSimulator: { keyFile: "payment-sim.key.pem" },
    }),
  );
  writeFileSync(join(home, "payment-sim.key.pem"), suite.privateKeyToPem(key("payment-sim").privateKey));
  running = await runNode(home, pino({ level: "silent" }));
}, 30_000);

afterAll(async () => {
  stopDemo();
  await running?.stop();
  rmSync(home, { recursive: true, force: true });
});

// biome-ignore lint/suspicious/noExplicitAny: JSON answers are checked field by field
async function get(path: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${running.apiUrl}${path}`);
  const type = response.headers.get("content-type") ?? "";
  return {
    status: response.status,
    body: type.includes("json") ? await response.json() : await response.text(),
  };
}

describe("marketing on a running node", () => {
  it("seeds the demo, keeps orders flowing, and answers queries with proofs", async () => {
    stopDemo = await startDemoMarketing({
      apiUrl: running.apiUrl,
      suite,
      chainId: "mkt-api",
      keys: {
        enterprise: key("enterprise-a"),
        marketerLi: key("marketer-li"),
        marketerWang: key("marketer-wang"),
        buyerZhao: key("buyer-zhao"),
      },
      stepMs: 20,
      log: () => {},
    });
    const li = userCodeOf(suite.hash, key("marketer-li").publicKey.bytes);
    let settled = 0n;
    await until(
      async () => {
        settled = BigInt((await get("/v1/marketing/enterprises/org1/cost")).body.settledFen);
        return settled > 0n;
      },
      30_000,
      "a settled commission",
    );
    stopDemo();
    expect(settled).toBeGreaterThan(0n);

    const cost = await get("/v1/marketing/enterprises/org1/cost?prove=true");
    expect(cost.status).toBe(200);
    expect(BigInt(cost.body.depositedFen)).toBe(2_000_000n);
    const block = await new MarketLedgerClient(running.apiUrl).block(BigInt(cost.body.proofs.height));
    expect(cost.body.proofs.stateRoot).toBe(block.header.stateRoot);
    for (const entry of cost.body.proofs.entries) {
      const proof = decode(stateProofCodec, fromHex(entry.proof));
      const value = entry.value === null ? undefined : fromHex(entry.value);
      expect(
        verifyStateProof(suite.hash, fromHex(block.header.stateRoot), fromHex(entry.key), value, proof),
      ).toBe(true);
    }

    const earnings = await get(`/v1/marketing/enterprises/org1/marketers/${li}/earnings`);
    expect(earnings.body.code).toBe(li);
    const sales = await get("/v1/marketing/enterprises/org1/sales/product");
    expect(sales.body.rows.length).toBeGreaterThan(0);
    const products = await get("/v1/marketing/enterprises/org1/products");
    expect(products.body.products.map((p: { sku: string }) => p.sku)).toContain("TEA-PE-357");
    expect((await get("/v1/marketing/orders/0")).body.order.id).toBe("0");
    // Some block's end-block work completed an order by block time (products without a window).
    // Order 1 is of TEA-PE-357, which has no return window: it completes in its delivery's block.
    const order1 = (await get("/v1/marketing/orders/1")).body.order;
    expect(order1.sku).toBe("TEA-PE-357");
    if (order1.status === "completed") {
      const height = Number(cost.body.proofs.height);
      let found = false;
      for (let h = height; h > 0 && !found; h--) {
        const { body } = await get(`/v1/marketing/block-events/${h}`);
        found = body.events.some((e: { type: string }) => e.type === "orderCompleted");
      }
      expect(found).toBe(true);
    }
    expect((await get("/v1/marketing/enterprises/org1/products/NOPE")).status).toBe(404);
    expect((await get("/v1/marketing/enterprises/org1/sales/planet")).body.error.code).toBe("BAD_REQUEST");
    const csv = await get("/v1/marketing/enterprises/org1/payouts.csv");
    expect(csv.body.split("\r\n")[0]).toBe(
      "withdrawal_id,enterprise,payee_user_code,amount_fen,amount_yuan,status,requested_at,decided_at,external_reference",
    );

    // A payee withdraws and finance confirms: the CSV shows it.
    const sender = new TxSender(new MarketLedgerClient(running.apiUrl), suite, "mkt-api");
    const balance = BigInt(
      (await get(`/v1/marketing/enterprises/org1/marketers/${li}/earnings`)).body.balanceFen,
    );
    if (balance > 0n) {
      await sender.ok(key("marketer-li"), {
        kind: "requestWithdrawal",
        value: { idempotencyKey: "w1", enterprise: "org1", amountFen: balance },
      });
      await sender.ok(key("enterprise-a"), {
        kind: "decideWithdrawal",
        value: {
          idempotencyKey: "d1",
          enterprise: "org1",
          withdrawalId: 0,
          paid: true,
          externalReference: "BANK-1",
        },
      });
      const paid = await get("/v1/marketing/enterprises/org1/payouts.csv?status=paid");
      expect(paid.body).toContain(`,${li},${balance},`);
    }
  }, 60_000);

  it("imports products and employees through the CLI, all or nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mkl-mkt-import-"));
    const keyFile = join(dir, "enterprise.key.pem");
    writeFileSync(keyFile, suite.privateKeyToPem(key("enterprise-a").privateKey));
    const li = userCodeOf(suite.hash, key("marketer-li").publicKey.bytes);
    writeFileSync(join(dir, "p.csv"), "sku,name,price_yuan,stock,channels\nIMP-1,Imported,9.90,5,online\n");
    writeFileSync(join(dir, "e.csv"), `user_code,team_lead\n${li},\n`);
    const out: string[] = [];
    const program = new Command().exitOverride().configureOutput({ writeOut: (s) => out.push(s) });
    registerMarketingCommands(program);
    const args = [
      "--node",
      running.apiUrl,
      "--key",
      keyFile,
      "--products",
      join(dir, "p.csv"),
      "--employees",
      join(dir, "e.csv"),
    ];
    await program.parseAsync(["node", "mkl", "marketing", "import", ...args, "--idempotency-key", "imp-1"]);
    expect(out.join("")).toContain("imported");
    const product = await get("/v1/marketing/enterprises/org1/products/IMP-1");
    expect(product.body.priceFen).toBe("990");
    await program.parseAsync(["node", "mkl", "marketing", "import", ...args, "--idempotency-key", "imp-1"]);
    expect(out.join("")).toContain("nothing changed");
    await program.parseAsync([
      "node",
      "mkl",
      "marketing",
      "statement",
      "--node",
      running.apiUrl,
      "--enterprise",
      "org1",
      "--code",
      li,
    ]);
    expect(out.join("")).toMatch(/ settled order \d+ \d+ fen|no entries/);
    // wang's key is no enterprise: the chain refuses, nothing applied.
    writeFileSync(keyFile, suite.privateKeyToPem(key("marketer-wang").privateKey));
    writeFileSync(join(dir, "p.csv"), "sku,name,price_yuan,stock,channels\nIMP-2,Other,1,5,online\n");
    await expect(
      program.parseAsync(["node", "mkl", "marketing", "import", ...args, "--idempotency-key", "imp-2"]),
    ).rejects.toThrow(/may not sign importBatch/);
    expect((await get("/v1/marketing/enterprises/org1/products/IMP-2")).status).toBe(404);
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);
  it("pays a basket through the node's payment simulator once the enterprise authorised it, refusing before signing otherwise", async () => {
    const client = new MarketLedgerClient(running.apiUrl);
    const sender = new TxSender(client, suite, "mkt-api");
    const enterprise = key("enterprise-a");
    const buyer = key("buyer-qian");
    const send = async (init: RequestInit) => {
      const response = await fetch(`${running.apiUrl}${SIMULATED_PAYMENTS_PATH}`, init);
      // biome-ignore lint/suspicious/noExplicitAny: JSON answers are checked field by field
      return { status: response.status, body: (await response.json()) as any };
    };
    /** The request the console sends: signed by the basket's buyer (or by `signer`). */
    const signedPay = (orderId: string, signer: KeyPair = buyer) =>
      signedInit(PAYMENT_REQUEST, suite, signer, "POST", SIMULATED_PAYMENTS_PATH, { orderId });
    const pay = (orderId: string) => send(signedPay(orderId));
    const simulator = await get("/v1/payment-simulator?enterprise=org1");
    expect(simulator.body).toEqual({
      simulated: true,
      code: userCodeOf(suite.hash, key("payment-sim").publicKey.bytes),
      authorised: false,
    });
    const sku = "SIM-1";
    const product = { name: "simulated", category: "tea", costFen: 100n, stock: 10n, channels: ["online"] };
    await sender.ok(enterprise, {
      kind: "importBatch",
      value: {
        idempotencyKey: "sim-products",
        products: [
          { sku, priceFen: 1_000n, ...product, serviceTerms: "", returnWindowDays: 7, status: "active" },
          {
            sku: "SIM-2",
            priceFen: 250n,
            ...product,
            serviceTerms: "",
            returnWindowDays: 7,
            status: "active",
          },
        ],
        marketers: [],
      },
    });
    // Ordered by the buyer with their own key: the basket names them, and only they may pay it.
    const created = await sender.ok(buyer, {
      kind: "createOrder",
      value: {
        idempotencyKey: "sim-order",
        enterprise: "org1",
        channel: "online",
        lines: [
          { sku, quantity: 2, referralCode: undefined },
          { sku: "SIM-2", quantity: 1, referralCode: undefined },
        ],
        buyerCommitment: new Uint8Array(32),
        buyerCode: undefined,
      },
    });
    const basket = created.events.find((e) => e.type === "orderCreated")!.attributes.orderId!;
    const status = async (id: string) => (await get(`/v1/marketing/orders/${id}`)).body.order.status;

    expect((await pay(basket)).body.error.code).toBe("PAYMENT_SERVICE_NOT_AUTHORISED");
    expect(await status(basket)).toBe("created");
    await sender.ok(enterprise, {
      kind: "authorisePaymentService",
      value: {
        idempotencyKey: "sim-authorise",
        code: userCodeBytesOf(suite.hash, key("payment-sim").publicKey.bytes),
        authorised: true,
      },
    });
    expect((await get("/v1/payment-simulator?enterprise=org1")).body.authorised).toBe(true);
    const second = (BigInt(basket) + 1n).toString();
    expect(await pay(second)).toMatchObject({ status: 409, body: { error: { code: "ORDER_NOT_BASKET" } } });
    expect(await pay("999999")).toMatchObject({ status: 404, body: { error: { code: "NOT_FOUND" } } });

    // Unsigned, signed by another user, or a signature for another body: refused, nothing paid.
    const unsigned = await send({
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ orderId: basket }),
    });
    expect(unsigned).toMatchObject({ status: 401, body: { error: { code: "PAYMENT_UNSIGNED" } } });
    expect(await send(signedPay(basket, enterprise))).toMatchObject({
      status: 403,
      body: { error: { code: "PAYMENT_NOT_BUYER" } },
    });
    const forSecond = signedPay(second);
    expect(await send({ ...forSecond, body: JSON.stringify({ orderId: basket }) })).toMatchObject({
      status: 401,
      body: { error: { code: "PAYMENT_SIGNATURE_INVALID" } },
    });
    expect(await status(basket)).toBe("created");

    const request = signedPay(basket);
    const paid = await send(request);
    expect(paid).toMatchObject({ status: 200, body: { amountFen: "2250", height: expect.any(String) } });
    // The same signed request again is a replay, refused before anything else is looked at.
    expect(await send(request)).toMatchObject({
      status: 409,
      body: { error: { code: "PAYMENT_REQUEST_REPLAYED" } },
    });
    const committed = await client.waitForTx(paid.body.hash, { timeoutMs: 30_000 });
    expect(committed.result.code).toBe("OK");
    const lines = await Promise.all([basket, second].map((id) => get(`/v1/marketing/orders/${id}`)));
    expect(lines.map((l) => [l.body.order.status, l.body.order.receivedFen])).toEqual([
      ["paid", "2000"],
      ["paid", "250"],
    ]);
    expect(await pay(basket)).toMatchObject({ status: 409, body: { error: { code: "ORDER_BAD_STATE" } } });

    // Two nodes' simulators sign as one key and may draw one nonce: the block that takes the other's
    // confirmation drops this one, which is then signed again with a fresh nonce and commits.
    const order = async (idempotencyKey: string) => {
      const done = await sender.ok(buyer, {
        kind: "createOrder",
        value: {
          idempotencyKey,
          enterprise: "org1",
          channel: "online",
          lines: [{ sku: "SIM-2", quantity: 1, referralCode: undefined }],
          buyerCommitment: new Uint8Array(32),
          buyerCode: undefined,
        },
      });
      return BigInt(done.events.find((e) => e.type === "orderCreated")!.attributes.orderId!);
    };
    const [mine, theirs] = [await order("sim-twin-1"), await order("sim-twin-2")];
    const here = new PaymentSimulator(running.node, key("payment-sim"));
    const payer = buyer.publicKey.bytes;
    const dropped = here.submit(mine, payer);
    // In one node, what the other node's block does: this confirmation leaves the pool, and the
    // other simulator's confirmation of another basket draws the same nonce and commits.
    expect(running.node.mempool.evict(toHex(dropped.hash))).toBe(true);
    expect(here.submit(theirs, payer).nonce).toBe(dropped.nonce);
    const settled = await here.settle(dropped, mine, payer);
    expect(toHex(settled.hash)).not.toBe(toHex(dropped.hash));
    expect((await client.waitForTx(toHex(settled.hash), { timeoutMs: 30_000 })).result.code).toBe("OK");
    expect([await status(mine.toString()), await status(theirs.toString())]).toEqual(["paid", "paid"]);
  });
});
