import { type PolicyRules, type ProductInput, policyRules } from "../app/marketing/records.js";
import type { Operation } from "../app/operations/index.js";
import { systemClock } from "../clock.js";
import type { KeyPair, Suite } from "../crypto/suite.js";
import { LedgerError } from "../errors.js";
import { toHex } from "../ledger/bytes.js";
import { encodeUserCode, userCodeBytesOf } from "../pki/user-code.js";
import { MarketLedgerClient, type ResultJson, TxSender } from "../sdk/index.js";

export interface DemoMarketingKeys {
  readonly enterprise: KeyPair;
  readonly marketerLi: KeyPair;
  readonly marketerWang: KeyPair;
  readonly buyerZhao: KeyPair;
}

/** The keys of loadDemoKeys (enterprise-a, marketer-li, marketer-wang, buyer-zhao), by role. */
export function demoMarketingKeys(keys: readonly KeyPair[]): DemoMarketingKeys {
  const [enterprise, marketerLi, marketerWang, buyerZhao] = keys;
  if (!enterprise || !marketerLi || !marketerWang || !buyerZhao) {
    throw new LedgerError(
      "DEMO_KEYS",
      "the demo needs enterprise-a, marketer-li, marketer-wang and buyer-zhao",
    );
  }
  return { enterprise, marketerLi, marketerWang, buyerZhao };
}

export interface DemoMarketingOptions {
  readonly apiUrl: string;
  readonly suite: Suite;
  readonly chainId: string;
  readonly keys: DemoMarketingKeys;
  /** The enterprise's organisation id (enterprise-a's, "org1" in npm start's network). */
  readonly enterprise?: string;
  /** The public key of a payment service the enterprise authorises (the nodes' payment simulator). */
  readonly paymentService?: Uint8Array;
  /** One demo step (a transaction) every this many ms; modest by default. */
  readonly stepMs?: number;
  /** At most this many demo orders in flight at once. */
  readonly maxOpenOrders?: number;
  /** One completed order in this many gets a partial refund (default 8). */
  readonly refundEvery?: number;
  readonly log: (line: string) => void;
  /**
   * Signs, submits and waits for one transaction; default, a `TxSender` on `apiUrl`. A fault
   * harness passes one that retries on other nodes until the transaction is committed.
   */
  readonly send?: (key: KeyPair, op: Operation) => Promise<ResultJson>;
}

const product = (
  sku: string,
  name: string,
  category: string,
  priceFen: bigint,
  channels: string[],
  returnWindowDays: number,
): ProductInput => ({
  sku,
  name,
  category,
  priceFen,
  costFen: priceFen / 2n,
  stock: 100_000n,
  channels,
  serviceTerms: returnWindowDays === 0 ? "no returns after delivery" : `${returnWindowDays}-day returns`,
  returnWindowDays,
  status: "active",
});

export const DEMO_PRODUCTS: readonly ProductInput[] = [
  product("TEA-LJ-250", "Longjing green tea 250 g", "tea", 29_800n, ["online", "distributor"], 7),
  product("TEA-PE-357", "Pu'er cake 357 g", "tea", 16_800n, ["online", "offline"], 0),
  product("CUP-CEL-6", "Celadon cup set (6)", "teaware", 12_900n, ["online", "offline"], 0),
];

const rules = (over: Partial<PolicyRules>): PolicyRules => policyRules({ baseBps: 800, ...over });

/** Enterprise default 8%, tier 10% past 1 000 yuan a month, cap 5 000 yuan a month; teaware 300 bps + 5 yuan a unit. */
export const DEMO_POLICIES = [
  {
    policyId: "demo-default",
    scopeKind: "enterprise",
    scopeValue: "",
    rules: rules({
      tiers: [{ minPeriodVolumeFen: 100_000n, bps: 1000 }],
      channelBps: [{ channel: "distributor", bps: 500 }],
      capPerMarketerPeriodFen: 500_000n,
    }),
  },
  {
    policyId: "demo-teaware",
    scopeKind: "category",
    scopeValue: "teaware",
    rules: rules({ baseBps: 300, fixedPerUnitFen: 500n, capPerOrderFen: 3_000n }),
  },
] as const;

export const DEMO_ESCROW_FEN = 2_000_000n;

function senderOn(options: DemoMarketingOptions): (key: KeyPair, op: Operation) => Promise<ResultJson> {
  const sender = new TxSender(new MarketLedgerClient(options.apiUrl), options.suite, options.chainId);
  return (key, op) => sender.send(key, op);
}

/** The organisation of a user code, from the node's identity lookup. */
async function organisationOf(apiUrl: string, code: string): Promise<string> {
  const response = await fetch(`${apiUrl.replace(/\/+$/, "")}/v1/identities/${code}`);
  const body = (await response.json()) as { organisation?: string; error?: { message: string } };
  if (!response.ok || !body.organisation) {
    const reason = body.error?.message ?? "no organisation";
    throw new LedgerError("DEMO_ENTERPRISE_UNKNOWN", `cannot find the enterprise ${code}: ${reason}`);
  }
  return body.organisation;
}

type Stage = "created" | "paid" | "shipped" | "delivered";
interface DemoOrder {
  /** The basket's id (its first line, of `sku`). */
  id: string;
  sku: string;
  valueFen: bigint;
  stage: Stage;
}

/**
 * Seeds a demo catalogue on the chain (three products, two royalty policies, li as a marketer,
 * an escrow deposit, li's and wang's referral codes), then keeps a modest stream of demo orders
 * moving through their lifecycle: one transaction every `stepMs`, at most `maxOpenOrders` open
 * orders (every other tea order a basket with a cup set); some buyers confirm receipt, others complete by block time (products with no return
 * window), one in eight completed orders (`refundEvery`) gets a partial refund and one in ten new ones is
 * cancelled. The seed uses fixed idempotency keys, so seeding again after a restart changes
 * nothing. Returns a stop function.
 */
export async function startDemoMarketing(options: DemoMarketingOptions): Promise<() => void> {
  const send = options.send ?? senderOn(options);
  const ok = async (key: KeyPair, op: Operation) => {
    const result = await send(key, op);
    if (result.code !== "OK")
      throw new LedgerError(result.code, `demo seed ${op.kind} refused: ${result.message}`);
    return result;
  };
  const { keys, log } = options;
  const codeOf = (key: KeyPair) => userCodeBytesOf(options.suite.hash, key.publicKey.bytes);
  const enterprise =
    options.enterprise ?? (await organisationOf(options.apiUrl, encodeUserCode(codeOf(keys.enterprise))));
  await ok(keys.enterprise, {
    kind: "importBatch",
    value: {
      idempotencyKey: "demo-seed-catalogue",
      products: [...DEMO_PRODUCTS],
      marketers: [{ code: codeOf(keys.marketerLi), teamLead: undefined, active: true }],
    },
  });
  for (const p of DEMO_POLICIES) {
    await ok(keys.enterprise, {
      kind: "setRoyaltyPolicy",
      value: { idempotencyKey: `demo-seed-${p.policyId}`, ...p, rules: p.rules },
    });
  }
  await ok(keys.enterprise, {
    kind: "depositEscrow",
    value: { idempotencyKey: "demo-seed-escrow", amountFen: DEMO_ESCROW_FEN, reference: "DEMO-FIN-0001" },
  });
  if (options.paymentService) {
    await ok(keys.enterprise, {
      kind: "authorisePaymentService",
      value: {
        idempotencyKey: "demo-seed-payment-simulator",
        code: userCodeBytesOf(options.suite.hash, options.paymentService),
        authorised: true,
      },
    });
  }
  const referrals = new Map<string, string[]>();
  for (const marketer of [keys.marketerLi, keys.marketerWang]) {
    for (const p of DEMO_PRODUCTS) {
      const r = await ok(marketer, {
        kind: "createReferralCode",
        value: { idempotencyKey: `demo-seed-ref-${p.sku}`, enterprise, sku: p.sku },
      });
      const event = r.events[0];
      const code = event?.type === "idempotentReplay" ? event.attributes.ref : event?.attributes.code;
      if (code) referrals.set(p.sku, [...(referrals.get(p.sku) ?? []), code]);
    }
  }
  log(
    `marketing demo seeded: ${DEMO_PRODUCTS.length} products, escrow ${DEMO_ESCROW_FEN} fen, referral codes ready`,
  );

  const open: DemoOrder[] = [];
  const maxOpen = options.maxOpenOrders ?? 12;
  let step = 0;
  let created = 0;
  let completed = 0;
  let stopped = false;
  let inFlight = false;
  const run = async (label: string, key: KeyPair, op: Operation) => {
    const result = await send(key, op);
    if (result.code !== "OK") log(`demo ${label} refused: ${result.message}`);
    return result;
  };

  async function advance(order: DemoOrder): Promise<void> {
    const orderId = BigInt(order.id);
    const key = `demo-${order.id}-${order.stage}`;
    if (order.stage === "created") {
      if (Number(order.id) % 10 === 9) {
        await run("cancel", keys.buyerZhao, {
          kind: "cancelOrder",
          value: { idempotencyKey: key, orderId, reason: "customer-request" },
        });
        open.splice(open.indexOf(order), 1);
        return;
      }
      const price = order.valueFen;
      await run("payment", keys.enterprise, {
        kind: "confirmPayment",
        value: { idempotencyKey: key, orderId, amountReceivedFen: price },
      });
      order.stage = "paid";
    } else if (order.stage === "paid") {
      await run("shipment", keys.enterprise, {
        kind: "shipOrder",
        value: { idempotencyKey: key, orderId, reason: "shipped" },
      });
      order.stage = "shipped";
    } else if (order.stage === "shipped") {
      await run("delivery", keys.enterprise, {
        kind: "confirmDelivery",
        value: { idempotencyKey: key, orderId, reason: "delivered" },
      });
      order.stage = "delivered";
      // Products without a return window complete at the end of the delivery's block.
      if (DEMO_PRODUCTS.find((p) => p.sku === order.sku)!.returnWindowDays === 0) finish(order);
    } else {
      await run("receipt", keys.buyerZhao, {
        kind: "confirmReceipt",
        value: { idempotencyKey: key, orderId, reason: "buyer-confirmed" },
      });
      finish(order);
    }
  }

  function finish(order: DemoOrder): void {
    open.splice(open.indexOf(order), 1);
    completed++;
    if (completed % (options.refundEvery ?? 8) === 0) {
      const price = DEMO_PRODUCTS.find((p) => p.sku === order.sku)!.priceFen;
      void run("refund", keys.enterprise, {
        kind: "refundOrder",
        value: {
          idempotencyKey: `demo-${order.id}-refund`,
          orderId: BigInt(order.id),
          amountFen: price / 4n,
          returnedUnits: 0,
          reason: "price-adjustment",
        },
      }).catch((e: Error) => log(`demo refund: ${e.message}`));
    }
  }

  async function createOrder(): Promise<void> {
    const p = DEMO_PRODUCTS[created % DEMO_PRODUCTS.length]!;
    const codes = referrals.get(p.sku) ?? [];
    const referralCode = codes.length > 0 ? codes[created % codes.length] : undefined;
    created++;
    const salt = options.suite.hash(new TextEncoder().encode(`demo-buyer-${systemClock.now()}-${created}`));
    const lines = [{ sku: p.sku, quantity: 1, referralCode }];
    // Every other tea order is a basket with a cup set, referred by another marketer.
    const cup = DEMO_PRODUCTS[2]!;
    if (p.returnWindowDays > 0 && created % 2 === 0) {
      const cupCodes = referrals.get(cup.sku) ?? [];
      lines.push({
        sku: cup.sku,
        quantity: 1,
        referralCode: cupCodes[(created + 1) % Math.max(1, cupCodes.length)],
      });
    }
    const result = await run("order", keys.buyerZhao, {
      kind: "createOrder",
      value: {
        idempotencyKey: `demo-order-${toHex(salt.slice(0, 8))}`,
        enterprise,
        channel: "online",
        lines,
        buyerCommitment: salt,
        buyerCode: undefined,
      },
    });
    const id = result.events.find((e) => e.type === "orderCreated")?.attributes.orderId;
    const valueFen = p.priceFen + (lines.length > 1 ? cup.priceFen : 0n);
    if (id !== undefined) open.push({ id, sku: p.sku, valueFen, stage: "created" });
  }

  async function tick(): Promise<void> {
    step++;
    if (open.length < maxOpen && (open.length === 0 || step % 3 === 0)) await createOrder();
    else if (open.length > 0) await advance(open[step % open.length]!);
  }

  const timer = setInterval(() => {
    if (stopped || inFlight) return;
    inFlight = true;
    tick()
      .catch((error: Error) => log(`demo marketing: ${error.message}`))
      .finally(() => {
        inFlight = false;
      });
  }, options.stepMs ?? 1_500);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
