import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeUserCode } from "../../pki/user-code.js";
import { MarketLedgerClient, TxSender } from "../../sdk/index.js";
import { startTestChain, suite, type TestChain, until } from "../testkit.test-util.js";
import { type RunningConnector, startPaymentConnector } from "./connector.js";
import type { PaymentProvider } from "./provider.js";
import { SimulatorPaymentProvider, startPaymentSimulator } from "./simulator.js";

/**
 * The payment connector against a node: it pays the withdrawals of enterprises that authorised
 * it (and only those), records them with the provider's reference, and a failure between paying
 * and recording does not pay twice.
 */

let chain: TestChain;
let dir: string;
let simulator: Awaited<ReturnType<typeof startPaymentSimulator>>;
let connector: RunningConnector | undefined;
let sender: TxSender;
let n = 0;

beforeAll(async () => {
  chain = await startTestChain("payments");
  dir = mkdtempSync(join(tmpdir(), "mkl-payments-"));
  simulator = await startPaymentSimulator({ dataDir: join(dir, "sim"), limitFen: 5_000n });
  sender = new TxSender(new MarketLedgerClient(chain.url), suite, "payments");
  const stopDemo = await chain.demo();
  await until(async () => BigInt((await earnings()).balanceFen) > 7_000n, 40_000);
  stopDemo();
}, 60_000);

afterAll(async () => {
  await connector?.stop();
  await simulator?.stop();
  await chain?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function earnings() {
  const response = await fetch(
    `${chain.url}/v1/marketing/enterprises/org1/marketers/${chain.code("marketer-li")}/earnings`,
  );
  return (await response.json()) as { balanceFen: string };
}

async function requestWithdrawal(amountFen: bigint): Promise<number> {
  const result = await sender.ok(chain.key("marketer-li"), {
    kind: "requestWithdrawal",
    value: { idempotencyKey: `w-${++n}`, enterprise: "org1", amountFen },
  });
  return Number(result.events.find((e) => e.type === "withdrawalRequested")!.attributes.withdrawalId);
}

async function withdrawal(id: number) {
  const response = await fetch(`${chain.url}/v1/marketing/enterprises/org1/withdrawals?limit=1000`);
  const body = (await response.json()) as {
    withdrawals: Array<{ id: number; status: string; externalReference: string }>;
  };
  return body.withdrawals.find((w) => w.id === id);
}

async function book() {
  return (await (await fetch(`${simulator.url}/v1/payouts`)).json()) as {
    calls: number;
    payouts: Record<string, unknown>;
  };
}

describe("mkl connector payments", () => {
  it("pays only for enterprises that authorised it, records the provider's reference", async () => {
    const provider = new SimulatorPaymentProvider(simulator.url);
    connector = await startPaymentConnector({
      nodeUrl: chain.url,
      key: chain.key("pay-co"),
      dataDir: join(dir, "c1"),
      provider,
    });
    const before = await requestWithdrawal(100n);
    await until(async () => (connector?.lastHeight() ?? -1n) > 0n);
    const status = (await (await fetch(`${chain.url}/v1/status`)).json()) as { height: string };
    await until(async () => (connector?.lastHeight() ?? -1n) >= BigInt(status.height));
    expect((await withdrawal(before))?.status).toBe("requested");
    expect(Object.keys((await book()).payouts)).toEqual([]);

    await sender.ok(chain.demoKeys.enterprise, {
      kind: "authorisePaymentService",
      value: { idempotencyKey: `auth-${++n}`, code: decodeUserCode(chain.code("pay-co")), authorised: true },
    });
    const paid = await requestWithdrawal(200n);
    await until(async () => (await withdrawal(paid))?.status === "paid");
    expect((await withdrawal(paid))?.externalReference).toMatch(/^SIM-\d+$/);
    expect(Object.keys((await book()).payouts)).toEqual([`mkl-withdrawal/org1/${paid}`]);
    // The earlier withdrawal, before the authorisation, stays for finance to decide.
    expect((await withdrawal(before))?.status).toBe("requested");
    await connector.stop();
    connector = undefined;
  }, 60_000);

  it("a failure after the provider paid and before the chain recorded it retries without paying twice; what the provider rejects is recorded as rejected", async () => {
    const simulated = new SimulatorPaymentProvider(simulator.url);
    let failOnce = true;
    const crashing: PaymentProvider = {
      name: "crashes-after-paying",
      pay: async (request) => {
        const result = await simulated.pay(request);
        if (failOnce) {
          failOnce = false;
          throw new Error("crashed after paying");
        }
        return result;
      },
    };
    connector = await startPaymentConnector({
      nodeUrl: chain.url,
      key: chain.key("pay-co"),
      dataDir: join(dir, "c1"),
      provider: crashing,
    });
    const callsBefore = (await book()).calls;
    const id = await requestWithdrawal(300n);
    await until(async () => (await withdrawal(id))?.status === "paid");
    const after = await book();
    expect(after.calls - callsBefore).toBe(2);
    expect(Object.keys(after.payouts).filter((k) => k === `mkl-withdrawal/org1/${id}`)).toHaveLength(1);

    // Above the provider's limit: rejected, the reason on the chain, the amount back in li's balance.
    const balance = BigInt((await earnings()).balanceFen);
    const rejected = await requestWithdrawal(6_000n);
    await until(async () => (await withdrawal(rejected))?.status === "rejected");
    expect((await withdrawal(rejected))?.externalReference).toMatch(/above the simulator's limit/);
    expect(BigInt((await earnings()).balanceFen)).toBe(balance);
  }, 60_000);
});
