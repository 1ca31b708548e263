import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeUserCode } from "../../pki/user-code.js";
import { MarketLedgerClient, TxSender } from "../../sdk/index.js";
import { startTestChain, suite, type TestChain, until, withdrawalsOf } from "../testkit.test-util.js";
import { type RunningConnector, startPaymentConnector } from "./connector.js";
import type { PaymentProvider } from "./provider.js";
import { SimulatorPaymentProvider, startPaymentSimulator } from "./simulator.js";

/**
 * The payment connector against a node with demo orders and instant payout on: it pays the
 * instant payouts of an enterprise only once that enterprise authorised it, records each with
 * the provider's reference (or its reason to reject), and a failure between paying and
 * recording does not pay twice.
 */

const LIMIT_FEN = 2_000n;
let chain: TestChain;
let dir: string;
let simulator: Awaited<ReturnType<typeof startPaymentSimulator>>;
let connector: RunningConnector | undefined;
let sender: TxSender;
let stopDemo: () => void = () => {};
let n = 0;

beforeAll(async () => {
  chain = await startTestChain("payments");
  dir = mkdtempSync(join(tmpdir(), "mkl-payments-"));
  simulator = await startPaymentSimulator({ dataDir: join(dir, "sim"), limitFen: LIMIT_FEN });
  sender = new TxSender(new MarketLedgerClient(chain.url), suite, "payments");
  await sender.ok(chain.demoKeys.enterprise, {
    kind: "setPayoutOptions",
    value: { idempotencyKey: "instant-on", instantPayout: true },
  });
}, 60_000);

afterAll(async () => {
  stopDemo();
  await connector?.stop();
  await simulator?.stop();
  await chain?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const withdrawals = () => withdrawalsOf(chain.url);

async function book() {
  return (await (await fetch(`${simulator.url}/v1/payouts`)).json()) as {
    calls: number;
    payouts: Record<string, unknown>;
  };
}

const height = async () =>
  BigInt(((await (await fetch(`${chain.url}/v1/status`)).json()) as { height: string }).height);

describe("mkl connector payments", () => {
  it("pays an enterprise's instant payouts only once it authorised the service, recording the provider's answer", async () => {
    connector = await startPaymentConnector({
      nodeUrl: chain.url,
      key: chain.key("pay-co"),
      dataDir: join(dir, "c1"),
      provider: new SimulatorPaymentProvider(simulator.url),
    });
    stopDemo = await chain.demo();
    await until(async () => (await withdrawals()).some((w) => w.origin === "instant-payout"), 40_000);
    const seen = await height();
    await until(async () => (connector?.lastHeight() ?? -1n) >= seen);
    const unauthorised = (await withdrawals()).filter((w) => w.origin === "instant-payout");
    expect(unauthorised.every((w) => w.status === "requested")).toBe(true);
    expect(Object.keys((await book()).payouts)).toEqual([]);

    // The demo signs as the enterprise too: a nonce it took first is asked again of the chain.
    const authorise = {
      idempotencyKey: `auth-${++n}`,
      code: decodeUserCode(chain.code("pay-co")),
      authorised: true,
    };
    await until(() =>
      sender
        .ok(chain.demoKeys.enterprise, { kind: "authorisePaymentService", value: authorise })
        .then(() => true),
    );
    const later = async () =>
      (await withdrawals()).filter(
        (w) => w.origin === "instant-payout" && !unauthorised.some((u) => u.id === w.id),
      );
    await until(async () => {
      const ws = await later();
      return ws.some((w) => w.status === "paid") && ws.some((w) => w.status === "rejected");
    }, 60_000);
    await chain.quiesce();
    // Every instant payout since the authorisation gets decided (the demo's last ones included).
    await until(async () => (await later()).every((w) => w.status !== "requested"), 30_000);
    const decided = await later();
    for (const w of decided) {
      if (BigInt(w.amountFen) > LIMIT_FEN) {
        expect(w.status).toBe("rejected");
        expect(w.externalReference).toMatch(/above the simulator's limit/);
      } else {
        expect(w.status).toBe("paid");
        expect(w.externalReference).toMatch(/^SIM-\d+$/);
      }
    }
    const payouts = Object.keys((await book()).payouts);
    expect(payouts.sort()).toEqual(decided.map((w) => `mkl-withdrawal/org1/${w.id}`).sort());
    expect(unauthorised.every((w) => !payouts.includes(`mkl-withdrawal/org1/${w.id}`))).toBe(true);
    await connector.stop();
    connector = undefined;
  }, 120_000);

  it("a failure after the provider paid and before the chain recorded it retries without paying twice", async () => {
    const simulated = new SimulatorPaymentProvider(simulator.url);
    let failures = 0;
    const crashing: PaymentProvider = {
      name: "fails-after-paying-once",
      pay: async (request) => {
        const result = await simulated.pay(request);
        if (failures++ === 0) throw new Error("crashed after paying");
        return result;
      },
    };
    connector = await startPaymentConnector({
      nodeUrl: chain.url,
      key: chain.key("pay-co"),
      dataDir: join(dir, "c1"),
      provider: crashing,
    });
    const before = await book();
    const known = new Set((await withdrawals()).map((w) => w.id));
    stopDemo = await chain.demo();
    await until(
      async () =>
        (await withdrawals()).some(
          (w) => !known.has(w.id) && w.origin === "instant-payout" && w.status !== "requested",
        ),
      60_000,
    );
    await chain.quiesce();
    const pending = async () =>
      (await withdrawals()).filter((w) => !known.has(w.id) && w.origin === "instant-payout");
    await until(async () => (await pending()).every((w) => w.status !== "requested"), 30_000);
    const fresh = await pending();
    const after = await book();
    // One more call than payouts: the call that failed was made again, and answered with the first payout.
    const newPayouts = Object.keys(after.payouts).filter((k) => !(k in before.payouts));
    expect(newPayouts.sort()).toEqual(fresh.map((w) => `mkl-withdrawal/org1/${w.id}`).sort());
    expect(after.calls - before.calls).toBe(newPayouts.length + 1);
    expect(failures).toBe(newPayouts.length + 1);
  }, 120_000);
});
