import type { ProductInput } from "../../src/app/marketing/records.js";
import type { Operation } from "../../src/app/operations/index.js";
import type { KeyPair, Suite } from "../../src/crypto/suite.js";
import type { DemoParty } from "../../src/ops/demo-genesis.js";
import { DEMO_POLICIES } from "../../src/ops/demo-marketing.js";
import { userCodeBytesOf } from "../../src/pki/user-code.js";
import type { CommitSource, ObservedResult } from "./observer.js";
import type { Workload } from "./run.js";
import type { LoadSigner } from "./signer.js";
import type { QueuedTx, TxSink } from "./submitter.js";

const ENTERPRISE = "org1";
const STAFF = 8;
const EMPLOYEES = 8;
const OUTSIDERS = 8;
const BUYERS = 64;

/** Who the business workloads need in genesis: enterprise staff, marketers and buyers. */
export function marketingParties(): DemoParty[] {
  const party = (name: string, role: DemoParty["role"], org?: string): DemoParty => ({
    name,
    role,
    ...(org === undefined ? {} : { organisation: org }),
    balanceFen: 10n ** 13n,
  });
  return [
    ...Array.from({ length: STAFF }, (_, i) => party(`staff-${i}`, "enterprise", ENTERPRISE)),
    ...Array.from({ length: EMPLOYEES }, (_, i) => party(`employee-${i}`, "employee-marketer", ENTERPRISE)),
    ...Array.from({ length: OUTSIDERS }, (_, i) => party(`outsider-${i}`, "outside-marketer")),
    ...Array.from({ length: BUYERS }, (_, i) => party(`buyer-${i}`, "buyer")),
  ];
}

const product = (
  sku: string,
  category: string,
  priceFen: bigint,
  returnWindowDays: number,
): ProductInput => ({
  sku,
  name: `bench ${sku}`,
  category,
  priceFen,
  costFen: priceFen / 2n,
  stock: 10n ** 9n,
  channels: ["online", "offline", "distributor"],
  serviceTerms: `${returnWindowDays}-day returns`,
  returnWindowDays,
  status: "active",
});

/** The business's people and catalogue, seeded on the chain before a run. */
export interface MarketingSetup {
  readonly staff: readonly KeyPair[];
  readonly buyers: readonly KeyPair[];
  readonly marketers: readonly KeyPair[];
  readonly products: readonly ProductInput[];
  /** referral codes[marketer][product] */
  readonly referrals: readonly (readonly string[])[];
}

/** Sends one operation and waits for its result; anything but OK stops the benchmark. */
async function settle(
  signer: LoadSigner,
  submitter: TxSink,
  observer: CommitSource,
  key: KeyPair,
  op: Operation,
): Promise<ObservedResult> {
  const tx = signer.sign(key, op);
  submitter.enqueue(tx);
  const result = await new Promise<ObservedResult>((resolve) => observer.onCommit(tx.hashHex, resolve));
  if (result.code !== "OK") throw new Error(`bench setup: ${op.kind} failed with ${result.code}`);
  return result;
}

/**
 * Seeds the catalogue (three products with the given return window), the enterprise's two demo
 * royalty policies, a large escrow deposit, the employees, and one referral code per marketer
 * per product.
 */
export async function seedMarketing(
  suite: Suite,
  keys: ReadonlyMap<string, KeyPair>,
  signer: LoadSigner,
  submitter: TxSink,
  observer: CommitSource,
  returnWindowDays: number,
): Promise<MarketingSetup> {
  const pick = (prefix: string, n: number) =>
    Array.from({ length: n }, (_, i) => keys.get(`${prefix}-${i}`) as KeyPair);
  const staff = pick("staff", STAFF);
  const employees = pick("employee", EMPLOYEES);
  const marketers = [...employees, ...pick("outsider", OUTSIDERS)];
  const products = [
    product("B-TEA", "tea", 29_800n, returnWindowDays),
    product("B-CAKE", "tea", 16_800n, returnWindowDays),
    product("B-CUP", "teaware", 12_900n, returnWindowDays),
  ];
  const codeOf = (key: KeyPair) => userCodeBytesOf(suite.hash, key.publicKey.bytes);
  const boss = staff[0] as KeyPair;
  await settle(signer, submitter, observer, boss, {
    kind: "importBatch",
    value: {
      idempotencyKey: "bench-catalogue",
      products,
      marketers: employees.map((k) => ({ code: codeOf(k), teamLead: undefined, active: true })),
    },
  });
  for (const p of DEMO_POLICIES) {
    await settle(signer, submitter, observer, boss, {
      kind: "setRoyaltyPolicy",
      value: { idempotencyKey: `bench-${p.policyId}`, ...p, rules: p.rules },
    });
  }
  await settle(signer, submitter, observer, boss, {
    kind: "depositEscrow",
    value: { idempotencyKey: "bench-escrow", amountFen: 10n ** 12n, reference: "BENCH-FIN-1" },
  });
  const referrals = await Promise.all(
    marketers.map(async (m) => {
      const codes: string[] = [];
      for (const p of products) {
        const r = await settle(signer, submitter, observer, m, {
          kind: "createReferralCode",
          value: { idempotencyKey: `bench-ref-${p.sku}`, enterprise: ENTERPRISE, sku: p.sku },
        });
        codes.push(r.events.find((e) => e.type === "referralCreated")?.attributes.code ?? "");
      }
      return codes;
    }),
  );
  return { staff, buyers: pick("buyer", BUYERS), marketers, products, referrals };
}

export type Stage = "created" | "paid" | "shipped" | "delivered" | "completed" | "refunded";

interface OpenOrder {
  readonly n: number;
  readonly staff: KeyPair;
  readonly buyer: KeyPair;
  readonly totalFen: bigint;
  readonly firstPriceFen: bigint;
  /** Lines in the basket: each line is an order of its own on the chain, completed on its own. */
  readonly lines: number;
  id?: bigint;
  stage: Stage;
}

/** Transactions one order costs on average: five lifecycle steps, a refund for one in eight, a new referral code for one in twenty. */
export const TXS_PER_ORDER = 5 + 1 / 8 + 1 / 20;

/**
 * The business mix, as the platform's users make it: buyers create orders (baskets of one to
 * three lines, each with a marketer's referral), the enterprise confirms payment, ships and
 * delivers, the buyer confirms receipt (the order completes and its commission settles in that
 * block), one completed order in eight gets a partial refund (clawback), and one order in twenty
 * brings a marketer's new referral code. New orders arrive open loop; each order's next step is
 * sent when its previous one commits. With `untilStage` the lifecycle stops early (the completion
 * storm drives orders only to "delivered").
 */
export class MarketingWorkload implements Workload {
  readonly name = "marketing";
  private created = 0;
  private carry = 0;
  readonly reached = new Map<Stage, number>();
  readonly failures = new Map<string, number>();

  constructor(
    private readonly setup: MarketingSetup,
    private readonly signer: LoadSigner,
    private readonly submitter: TxSink,
    private readonly observer: CommitSource,
    private untilStage: Stage = "refunded",
    private readonly txsPerOrder = TXS_PER_ORDER,
    /** Numbers orders (and so their idempotency keys) from here: workloads on one chain must not overlap. */
    firstOrder = 0,
  ) {
    this.created = firstOrder;
  }

  arrive(txs: number): void {
    this.carry += txs / this.txsPerOrder;
    while (this.carry >= 1) {
      this.carry -= 1;
      this.createOrder();
    }
  }

  /** Starts `count` orders at once (the storm's set-up). */
  createOrders(count: number): void {
    for (let i = 0; i < count; i++) this.createOrder();
  }

  private send(key: KeyPair, op: Operation, then: (result: ObservedResult) => void): void {
    const tx: QueuedTx = this.signer.sign(key, op);
    this.submitter.enqueue(tx);
    this.observer.onCommit(tx.hashHex, (result) => {
      if (result.code !== "OK") this.failures.set(result.code, (this.failures.get(result.code) ?? 0) + 1);
      then(result);
    });
  }

  private createOrder(): void {
    const n = this.created++;
    const { setup } = this;
    const lineCount = 1 + (n % 3);
    const marketer = n % setup.marketers.length;
    const lines = Array.from({ length: lineCount }, (_, l) => {
      const p = (n + l) % setup.products.length;
      return {
        sku: (setup.products[p] as ProductInput).sku,
        quantity: 1,
        referralCode: setup.referrals[marketer]?.[p],
      };
    });
    const totalFen = lines.reduce(
      (sum, line) => sum + (setup.products.find((p) => p.sku === line.sku) as ProductInput).priceFen,
      0n,
    );
    const order: OpenOrder = {
      n,
      staff: setup.staff[n % setup.staff.length] as KeyPair,
      buyer: setup.buyers[n % setup.buyers.length] as KeyPair,
      totalFen,
      firstPriceFen: (setup.products[n % setup.products.length] as ProductInput).priceFen,
      lines: lineCount,
      stage: "created",
    };
    this.orders.push(order);
    const commitment = new Uint8Array(32);
    new DataView(commitment.buffer).setUint32(0, n);
    this.send(
      order.buyer,
      {
        kind: "createOrder",
        value: {
          idempotencyKey: `bench-order-${n}`,
          enterprise: ENTERPRISE,
          channel: "online",
          lines,
          buyerCommitment: commitment,
          buyerCode: undefined,
        },
      },
      (result) => {
        const id = result.events.find((e) => e.type === "orderCreated")?.attributes.orderId;
        if (id === undefined) return;
        order.id = BigInt(id);
        if (this.untilStage !== "created") this.advance(order);
      },
    );
    if (n % 20 === 19) {
      const key = setup.marketers[n % setup.marketers.length] as KeyPair;
      const sku = (setup.products[n % setup.products.length] as ProductInput).sku;
      this.send(
        key,
        {
          kind: "createReferralCode",
          value: { idempotencyKey: `bench-ref-extra-${n}`, enterprise: ENTERPRISE, sku },
        },
        () => {},
      );
    }
  }

  private readonly orders: OpenOrder[] = [];

  /** Orders that stopped at `stage` (the lifecycle's end for this workload). */
  countAt(stage: Stage): number {
    return this.orders.filter((o) => o.stage === stage).length;
  }

  /** Chain orders (basket lines) of the baskets now at `stage`. */
  linesAt(stage: Stage): number {
    return this.orders.reduce((sum, o) => sum + (o.stage === stage ? o.lines : 0), 0);
  }

  /** Sends the next step of every order now at `stage`, all at once, and lets them run to `untilStage`. */
  releaseAll(stage: Stage, untilStage: Stage): void {
    this.untilStage = untilStage;
    for (const order of this.orders) if (order.stage === stage) this.advance(order);
  }

  private mark(order: OpenOrder, stage: Stage): void {
    order.stage = stage;
    this.reached.set(stage, (this.reached.get(stage) ?? 0) + 1);
  }

  /** Orders numbered below this take no further step (see retire). */
  private retiredBelow = 0;

  /**
   * The orders started so far take no further step: between two runs, so that the next one's
   * load is its own (the ramp's unfinished orders would otherwise go on offering their steps).
   */
  retire(): void {
    this.retiredBelow = this.created;
  }

  private advance(order: OpenOrder): void {
    if (order.n < this.retiredBelow) return;
    const orderId = order.id as bigint;
    const idem = `bench-${order.n}-${order.stage}`;
    const next = (stage: Stage) => (result: ObservedResult) => {
      if (result.code !== "OK") return;
      this.mark(order, stage);
      if (stage !== this.untilStage) this.advance(order);
    };
    switch (order.stage) {
      case "created":
        this.send(
          order.staff,
          {
            kind: "confirmPayment",
            value: { idempotencyKey: idem, orderId, amountReceivedFen: order.totalFen },
          },
          next("paid"),
        );
        return;
      case "paid":
        this.send(
          order.staff,
          { kind: "shipOrder", value: { idempotencyKey: idem, orderId, reason: "shipped" } },
          next("shipped"),
        );
        return;
      case "shipped":
        this.send(
          order.staff,
          { kind: "confirmDelivery", value: { idempotencyKey: idem, orderId, reason: "delivered" } },
          next("delivered"),
        );
        return;
      case "delivered":
        this.send(
          order.buyer,
          { kind: "confirmReceipt", value: { idempotencyKey: idem, orderId, reason: "buyer-confirmed" } },
          next("completed"),
        );
        return;
      case "completed":
        if (order.n % 8 !== 7) return;
        this.send(
          order.staff,
          {
            kind: "refundOrder",
            value: {
              idempotencyKey: idem,
              orderId,
              amountFen: order.firstPriceFen / 4n,
              returnedUnits: 0,
              reason: "price-adjustment",
            },
          },
          next("refunded"),
        );
        return;
      default:
        return;
    }
  }
}
