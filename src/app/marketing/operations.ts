import { bytesEqual, toHex } from "../../ledger/bytes.js";
import {
  bool,
  type Codec,
  type CodecType,
  encode,
  fixedBytes,
  list,
  oneOf,
  optional,
  string,
  struct,
  u32,
  u64,
} from "../../ledger/codec.js";
import { encodeUserCode } from "../../pki/user-code.js";
import { moveFunds } from "../accounts.js";
import { appEvent } from "../events.js";
import { readIdentity } from "../identity/records.js";
import { activeSigner, type Signer } from "../identity/signer.js";
import type { OperationHandler, TxContext } from "../operation.js";
import { MarketingError } from "./errors.js";
import { largestRemainderSplit } from "./money.js";
import {
  completeOrder,
  flagSelfReferral,
  isActiveMarketer,
  isSelfReferral,
  loadOrder,
  markDelivered,
  orderEvent,
  refundOrder,
  requireStatus,
} from "./orders.js";
import { publishPolicy } from "./policy.js";
import { checkPolicy } from "./policy-schema.js";
import {
  appendIndex,
  codeBytes,
  idempotencyCodec,
  keys,
  loadEarnings,
  loadEscrow,
  marketerCodec,
  type Order,
  payoutOptionsCodec,
  policyRulesCodec,
  productInputCodec,
  type ReasonCode,
  type Referral,
  read,
  readCount,
  readProduct,
  reasonCodec,
  referralCodec,
  SCOPE_KINDS,
  write,
  writeCount,
  writeEarnings,
  writeOrder,
  writeProduct,
} from "./records.js";
import { creditDeposit, decideWithdrawal, requestWithdrawal, vaultAddress } from "./settlement.js";

/**
 * The marketing operations (wire tags 200..214). Each carries a client-chosen idempotency key,
 * scoped to the signer's user code: a repeat of the same operation returns the first result
 * (an `idempotentReplay` event naming the first transaction and its reference) and changes
 * nothing; the same key with a different operation fails with IDEMPOTENCY_KEY_REUSED.
 */

const idemKey = string(64);
export const MAX_BATCH_ROWS = 200;

export const marketerInputCodec = struct({ code: codeBytes, teamLead: optional(codeBytes), active: bool });

export const importBatchCodec = struct({
  idempotencyKey: idemKey,
  products: list(productInputCodec, MAX_BATCH_ROWS),
  marketers: list(marketerInputCodec, MAX_BATCH_ROWS),
});
export const setRoyaltyPolicyCodec = struct({
  idempotencyKey: idemKey,
  policyId: string(32),
  scopeKind: oneOf(SCOPE_KINDS),
  scopeValue: string(64),
  rules: policyRulesCodec,
});
export const depositEscrowCodec = struct({ idempotencyKey: idemKey, amountFen: u64, reference: string(128) });
export const createReferralCodeCodec = struct({
  idempotencyKey: idemKey,
  enterprise: string(32),
  sku: string(64),
});
export const MAX_BASKET_LINES = 16;
export const orderLineCodec = struct({ sku: string(64), quantity: u32, referralCode: optional(string(32)) });
export const createOrderCodec = struct({
  idempotencyKey: idemKey,
  enterprise: string(32),
  channel: string(32),
  /** 1..16 lines, each with at most one referral; a SKU appears once. */
  lines: list(orderLineCodec, MAX_BASKET_LINES),
  /** hash(salt || buyer's personal data), computed off the chain; the data itself never comes here. */
  buyerCommitment: fixedBytes(32),
  buyerCode: optional(codeBytes),
});
export const touchReferralCodec = struct({ idempotencyKey: idemKey, orderId: u64, referralCode: string(32) });
export const confirmPaymentCodec = struct({ idempotencyKey: idemKey, orderId: u64, amountReceivedFen: u64 });
export const orderStepCodec = struct({ idempotencyKey: idemKey, orderId: u64, reason: reasonCodec });
export const refundOrderCodec = struct({
  idempotencyKey: idemKey,
  orderId: u64,
  amountFen: u64,
  returnedUnits: u32,
  reason: reasonCodec,
});
export const requestWithdrawalCodec = struct({
  idempotencyKey: idemKey,
  enterprise: string(32),
  amountFen: u64,
});
export const decideWithdrawalCodec = struct({
  idempotencyKey: idemKey,
  /** The enterprise that owes the payout (the signer's, or one whose payment service the signer is). */
  enterprise: string(32),
  withdrawalId: u32,
  paid: bool,
  externalReference: string(128),
});

export type ImportBatch = CodecType<typeof importBatchCodec>;
export type SetRoyaltyPolicy = CodecType<typeof setRoyaltyPolicyCodec>;
export type CreateOrder = CodecType<typeof createOrderCodec>;

function signerOf(ctx: TxContext): Signer {
  return activeSigner(ctx.state, ctx.timeMs, ctx.sender);
}

function requireEnterprise(signer: Signer, org: string): void {
  if (signer.role !== "enterprise" || signer.organisation === "" || signer.organisation !== org) {
    throw new MarketingError("NOT_YOUR_ENTERPRISE", `only the enterprise ${org} may do this`, {
      enterprise: org,
      signer: encodeUserCode(signer.code),
    });
  }
}

/** Whether `signer` is a payment service the enterprise `org` authorised. */
function isPaymentServiceOf(ctx: TxContext, org: string, signer: Signer): boolean {
  return ctx.state.get(keys.paymentService(org, signer.code)) !== undefined;
}

function requirePositive(amountFen: bigint, what: string): void {
  if (amountFen <= 0n) throw new MarketingError("INVALID_AMOUNT", `${what} must be positive`, {});
}

/**
 * An idempotency key is 1..64 printable ASCII characters, no spaces: an order number, a UUID.
 * It is shown in logs, events and URLs, where a space, a control character or a look-alike
 * letter would make two keys that read the same.
 */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,64}$/;

function checkIdempotencyKey(key: string): void {
  if (key.length === 0) {
    throw new MarketingError(
      "IDEMPOTENCY_KEY_REQUIRED",
      "every business transaction carries an idempotency key",
      {},
    );
  }
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw new MarketingError(
      "IDEMPOTENCY_KEY_INVALID",
      "an idempotency key is 1..64 printable ASCII characters without spaces",
      {},
    );
  }
}

type IdempotentRun<T> = (ctx: TxContext, signer: Signer, op: T) => string;

/**
 * A handler that runs once per (signer, idempotency key). `run` returns the result reference;
 * `check`, when given, is the operation's stateless check (OperationHandler.checkValue), made
 * after the key's.
 */
function idempotent<T extends { idempotencyKey: string }>(
  tag: number,
  codec: Codec<T>,
  run: IdempotentRun<T>,
): OperationHandler<T>;
function idempotent<T extends { idempotencyKey: string }>(
  tag: number,
  codec: Codec<T>,
  check: (op: T) => void,
  run: IdempotentRun<T>,
): OperationHandler<T>;
function idempotent<T extends { idempotencyKey: string }>(
  tag: number,
  codec: Codec<T>,
  ...fns: [IdempotentRun<T>] | [(op: T) => void, IdempotentRun<T>]
): OperationHandler<T> {
  const [check, run] = fns.length === 1 ? [undefined, fns[0]] : fns;
  return {
    tag,
    codec,
    checkValue(op) {
      checkIdempotencyKey(op.idempotencyKey);
      check?.(op);
    },
    execute(ctx, op) {
      const signer = signerOf(ctx);
      const body = encode(codec, op);
      const tagged = new Uint8Array(body.length + 2);
      tagged.set([tag >> 8, tag & 0xff]);
      tagged.set(body, 2);
      const opHash = ctx.hash(tagged);
      const key = keys.idempotency(signer.code, op.idempotencyKey);
      const first = read(ctx.state, key, idempotencyCodec);
      if (first) {
        if (!bytesEqual(first.opHash, opHash)) {
          throw new MarketingError(
            "IDEMPOTENCY_KEY_REUSED",
            "this idempotency key was used for another operation",
            {
              idempotencyKey: op.idempotencyKey,
              firstTx: toHex(first.txHash),
            },
          );
        }
        ctx.emit(
          appEvent("idempotentReplay", {
            idempotencyKey: op.idempotencyKey,
            firstTx: toHex(first.txHash),
            firstHeight: first.height,
            ref: first.ref,
          }),
        );
        return;
      }
      const ref = run(ctx, signer, op);
      write(ctx.state, key, idempotencyCodec, { opHash, txHash: ctx.txHash, height: ctx.height, ref });
    },
  };
}

// ---------------------------------------------------------------- catalogue and roster

export const SKU_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** Whether no sales channel of a product is listed twice. */
export function channelsListedOnce(channels: readonly string[]): boolean {
  return new Set(channels).size === channels.length;
}

function checkProduct(p: ImportBatch["products"][number], row: number): void {
  const bad = (message: string) => {
    throw new MarketingError("IMPORT_ROW_INVALID", `product row ${row}: ${message}`, { row, sku: p.sku });
  };
  if (!SKU_PATTERN.test(p.sku)) bad("a SKU is 1..64 letters, digits, '.', '_' or '-'");
  if (p.name.length === 0) bad("a product needs a name");
  if (p.priceFen <= 0n) bad("price must be positive");
  if (p.channels.length === 0 || !channelsListedOnce(p.channels)) bad("channels must be listed once each");
  if (p.returnWindowDays > 365) bad("return window is at most 365 days");
}

/**
 * Whether an identity of `role` in `organisation` may be a marketer of `org`: an employee
 * marketer of `org` itself, or an outside marketer of any organisation.
 */
export function mayMarketFor(role: string, organisation: string, org: string): boolean {
  return role === "outside-marketer" || (role === "employee-marketer" && organisation === org);
}

function checkMarketer(
  ctx: TxContext,
  org: string,
  m: CodecType<typeof marketerInputCodec>,
  row: number,
): void {
  const bad = (message: string) => {
    throw new MarketingError("IMPORT_ROW_INVALID", `marketer row ${row}: ${message}`, {
      row,
      code: encodeUserCode(m.code),
    });
  };
  const isMarketer = (code: Uint8Array) => {
    const id = readIdentity(ctx.state, code);
    if (!id) return "no identity has this code";
    if (mayMarketFor(id.role, id.organisation, org)) return "";
    return `${encodeUserCode(code)} is a ${id.role} of ${id.organisation || "the consortium"}, not a marketer here`;
  };
  const problem = isMarketer(m.code);
  if (problem) bad(problem);
  if (m.teamLead) {
    const leadProblem = isMarketer(m.teamLead);
    if (leadProblem) bad(`team lead: ${leadProblem}`);
  }
}

/** The rows' checks that need no state: each product row whole, SKUs once, no self-led marketer. */
function checkImportRows(op: ImportBatch): void {
  if (op.products.length + op.marketers.length === 0) {
    throw new MarketingError("IMPORT_EMPTY", "an import has at least one row", {});
  }
  const skus = new Set<string>();
  op.products.forEach((p, row) => {
    checkProduct(p, row + 1);
    if (skus.has(p.sku)) {
      throw new MarketingError("IMPORT_ROW_INVALID", `product row ${row + 1}: SKU ${p.sku} repeated`, {
        row: row + 1,
      });
    }
    skus.add(p.sku);
  });
  op.marketers.forEach((m, row) => {
    if (m.teamLead && bytesEqual(m.teamLead, m.code)) {
      throw new MarketingError(
        "IMPORT_ROW_INVALID",
        `marketer row ${row + 1}: a marketer cannot lead themself`,
        {
          row: row + 1,
          code: encodeUserCode(m.code),
        },
      );
    }
  });
}

/**
 * Products (from the ERP) and marketers with their team lead (from HR), all or nothing: one bad
 * row fails the whole transaction with its row number, so nothing is half-applied.
 */
export const importBatchOperation = idempotent(200, importBatchCodec, checkImportRows, (ctx, signer, op) => {
  requireEnterprise(signer, signer.organisation);
  const org = signer.organisation;
  op.marketers.forEach((m, row) => {
    checkMarketer(ctx, org, m, row + 1);
  });
  loadEscrow(ctx.state, org);
  for (const p of op.products) {
    const existing = readProduct(ctx.state, org, p.sku);
    if (!existing) appendIndex(ctx.state, org, "product", p.sku);
    writeProduct(ctx.state, {
      ...p,
      enterprise: org,
      reserved: existing?.reserved ?? 0n,
      sold: existing?.sold ?? 0n,
    });
  }
  for (const m of op.marketers) {
    write(ctx.state, keys.marketer(org, m.code), marketerCodec, m);
    loadEarnings(ctx.state, org, m.code);
  }
  ctx.emit(
    appEvent("catalogueImported", {
      enterprise: org,
      products: op.products.length,
      marketers: op.marketers.length,
    }),
  );
  return `${op.products.length}/${op.marketers.length}`;
});

const checkPolicyValue = ({ idempotencyKey: _key, ...policy }: SetRoyaltyPolicy) => checkPolicy(policy);

export const setRoyaltyPolicyOperation = idempotent(
  201,
  setRoyaltyPolicyCodec,
  checkPolicyValue,
  (ctx, signer, op) => {
    requireEnterprise(signer, signer.organisation);
    const stored = publishPolicy(
      ctx.state,
      ctx.hash,
      signer.organisation,
      op.policyId,
      op.scopeKind,
      op.scopeValue,
      op.rules,
    );
    ctx.emit(
      appEvent("royaltyPolicyPublished", {
        enterprise: signer.organisation,
        policyId: op.policyId,
        version: stored.version.version,
        hash: toHex(stored.hash),
        scope: `${op.scopeKind}:${stored.version.scopeValue}`,
      }),
    );
    return `${op.policyId}@${stored.version.version}`;
  },
);

const checkDeposit = (op: CodecType<typeof depositEscrowCodec>) => requirePositive(op.amountFen, "a deposit");

export const depositEscrowOperation = idempotent(202, depositEscrowCodec, checkDeposit, (ctx, signer, op) => {
  requireEnterprise(signer, signer.organisation);
  moveFunds(ctx.state, ctx.sender, vaultAddress(ctx.hash, signer.organisation), op.amountFen);
  creditDeposit(ctx, signer.organisation, op.amountFen, op.reference);
  return op.reference;
});

// ---------------------------------------------------------------- referrals and orders

function referralCodeFor(ctx: TxContext, org: string, sku: string, marketer: Uint8Array): string {
  const input = new TextEncoder().encode(`MKL/referral/v1\n${org}\n${sku}\n${toHex(marketer)}`);
  return `RC${toHex(ctx.hash(input).slice(0, 6)).toUpperCase()}`;
}

export const createReferralCodeOperation = idempotent(203, createReferralCodeCodec, (ctx, signer, op) => {
  const product = readProduct(ctx.state, op.enterprise, op.sku);
  if (!product) throw new MarketingError("PRODUCT_UNKNOWN", `no product ${op.sku} at ${op.enterprise}`, {});
  if (signer.role === "employee-marketer" && signer.organisation !== op.enterprise) {
    throw new MarketingError(
      "NOT_YOUR_ENTERPRISE",
      "an employee promotes their own enterprise's products",
      {},
    );
  }
  if (!isActiveMarketer(ctx, op.enterprise, signer.code))
    throw new MarketingError("MARKETER_INACTIVE", "this marketer is inactive here", {});
  const byKey = keys.referralBy(op.enterprise, op.sku, signer.code);
  const existing = ctx.state.get(byKey);
  if (existing) {
    // One code per (marketer, product): asking again gives the same code.
    const code = new TextDecoder().decode(existing);
    ctx.emit(appEvent("referralExists", { code, enterprise: op.enterprise, sku: op.sku }));
    return code;
  }
  const code = referralCodeFor(ctx, op.enterprise, op.sku, signer.code);
  if (ctx.state.get(keys.referral(code))) {
    throw new MarketingError("REFERRAL_COLLISION", "referral code collision; try again later", { code });
  }
  const referral: Referral = {
    code,
    enterprise: op.enterprise,
    sku: op.sku,
    marketer: signer.code,
    createdHeight: ctx.height,
  };
  write(ctx.state, keys.referral(code), referralCodec, referral);
  ctx.state.set(byKey, new TextEncoder().encode(code));
  loadEarnings(ctx.state, op.enterprise, signer.code);
  ctx.emit(
    appEvent("referralCreated", {
      code,
      enterprise: op.enterprise,
      sku: op.sku,
      marketer: encodeUserCode(signer.code),
    }),
  );
  return code;
});

/** The referral behind `code`, which must be for this product and of a marketer still active (R5). */
function findReferral(ctx: TxContext, code: string, org: string, sku: string): Referral {
  const referral = read(ctx.state, keys.referral(code), referralCodec);
  if (!referral || referral.enterprise !== org || referral.sku !== sku) {
    throw new MarketingError("REFERRAL_UNKNOWN", `no referral code ${code} for ${org}/${sku}`, { code });
  }
  if (!isActiveMarketer(ctx, org, referral.marketer)) {
    throw new MarketingError("MARKETER_INACTIVE", `the marketer of ${code} is no longer active at ${org}`, {
      code,
      marketer: encodeUserCode(referral.marketer),
    });
  }
  return referral;
}

function requireOrderParty(signer: Signer, order: Order, buyerToo: boolean): void {
  if (signer.role === "enterprise" && signer.organisation === order.enterprise) return;
  if (buyerToo && signer.role === "buyer" && order.buyerCode && bytesEqual(order.buyerCode, signer.code))
    return;
  throw new MarketingError("NOT_ORDER_PARTY", `the signer may not change order ${order.id}`, {
    orderId: order.id.toString(),
  });
}

/** A basket's checks that need no state: some lines, each SKU once, each for at least one unit. */
function checkOrderLines(op: CreateOrder): void {
  if (op.lines.length === 0) throw new MarketingError("ORDER_EMPTY", "an order has at least one line", {});
  if (new Set(op.lines.map((l) => l.sku)).size !== op.lines.length) {
    throw new MarketingError("ORDER_SKU_REPEATED", "a SKU appears on one line only", {});
  }
  const empty = op.lines.findIndex((l) => l.quantity < 1);
  if (empty >= 0) {
    throw new MarketingError("QUANTITY_INVALID", `line ${empty + 1} orders no unit`, { line: empty + 1 });
  }
}

export const createOrderOperation = idempotent(204, createOrderCodec, checkOrderLines, (ctx, signer, op) => {
  let buyerCode = op.buyerCode;
  if (signer.role === "buyer") {
    if (buyerCode && !bytesEqual(buyerCode, signer.code)) {
      throw new MarketingError("NOT_ORDER_PARTY", "a buyer orders for themself", {});
    }
    buyerCode = signer.code;
  } else requireEnterprise(signer, op.enterprise);
  const checked = op.lines.map((line) => {
    const product = readProduct(ctx.state, op.enterprise, line.sku);
    if (product?.status !== "active") {
      throw new MarketingError("PRODUCT_UNAVAILABLE", `product ${line.sku} is not on sale`, {
        sku: line.sku,
      });
    }
    if (!product.channels.includes(op.channel)) {
      throw new MarketingError("CHANNEL_UNKNOWN", `${line.sku} is not sold through ${op.channel}`, {});
    }
    if (BigInt(line.quantity) > product.stock) {
      throw new MarketingError(
        "OUT_OF_STOCK",
        `${line.quantity} units of ${line.sku} asked, ${product.stock} in stock`,
        {
          sku: line.sku,
          stock: product.stock.toString(),
        },
      );
    }
    const referral =
      line.referralCode === undefined
        ? undefined
        : findReferral(ctx, line.referralCode, op.enterprise, line.sku);
    return { line, product, referral };
  });
  const basketId = readCount(ctx.state, keys.orderSeq());
  writeCount(ctx.state, keys.orderSeq(), basketId + BigInt(op.lines.length));
  checked.forEach(({ line, product, referral }, i) => {
    const units = BigInt(line.quantity);
    writeProduct(ctx.state, { ...product, stock: product.stock - units, reserved: product.reserved + units });
    const order: Order = {
      id: basketId + BigInt(i),
      basketId,
      line: i,
      lines: op.lines.length,
      enterprise: op.enterprise,
      sku: line.sku,
      quantity: line.quantity,
      channel: op.channel,
      listValueFen: product.priceFen * units,
      unitCostFen: product.costFen,
      status: "created",
      referralCode: referral?.code,
      marketer: referral?.marketer,
      buyerCommitment: op.buyerCommitment,
      buyerCode,
      selfReferral: referral ? isSelfReferral(ctx, referral.marketer, buyerCode) : false,
      inTierVolume: false,
      receivedFen: 0n,
      refundedFen: 0n,
      returnedUnits: 0,
      createdAtMs: ctx.timeMs,
      deliveredAtMs: 0n,
      dueAtMs: 0n,
      completedAtMs: 0n,
      netAtCompletionFen: 0n,
      lastReason: "customer-request",
    };
    writeOrder(ctx.state, order);
    orderEvent(ctx, order, "orderCreated", {
      basketId,
      quantity: String(line.quantity),
      listValueFen: order.listValueFen,
    });
    flagSelfReferral(ctx, order);
  });
  return basketId.toString();
});

const TERMINAL = ["completed", "cancelled", "refunded"];

/**
 * The lines of the basket whose first order id is `basketId`, and of them those in one of the
 * `from` states. Lines already completed, cancelled or refunded are left alone; any other line
 * not in a `from` state, or no line at all in one, fails with ORDER_BAD_STATE.
 */
function basketLines(ctx: TxContext, basketId: bigint, from: readonly string[], action: string): Order[] {
  const head = loadOrder(ctx, basketId);
  if (head.basketId !== head.id) {
    throw new MarketingError(
      "ORDER_NOT_BASKET",
      `order ${basketId} is line ${head.line} of basket ${head.basketId}`,
      {
        basketId: head.basketId.toString(),
      },
    );
  }
  const all = [head];
  for (let i = 1; i < head.lines; i++) all.push(loadOrder(ctx, head.id + BigInt(i)));
  const moving = all.filter((o) => !TERMINAL.includes(o.status));
  for (const o of moving) requireStatus(o, from, action);
  if (moving.length === 0) requireStatus(head, from, action);
  return moving;
}

/** Last touch wins: before payment, a later referral replaces the order's referral. */
export const touchReferralOperation = idempotent(205, touchReferralCodec, (ctx, signer, op) => {
  const order = loadOrder(ctx, op.orderId);
  requireOrderParty(signer, order, true);
  requireStatus(order, ["created"], "re-attribute");
  const referral = findReferral(ctx, op.referralCode, order.enterprise, order.sku);
  const next: Order = {
    ...order,
    referralCode: referral.code,
    marketer: referral.marketer,
    selfReferral: isSelfReferral(ctx, referral.marketer, order.buyerCode),
    lastReason: "last-touch",
  };
  writeOrder(ctx.state, next);
  orderEvent(ctx, next, "orderReferralChanged", { referralCode: referral.code });
  flagSelfReferral(ctx, next);
  return referral.code;
});

const checkPayment = (op: CodecType<typeof confirmPaymentCodec>) =>
  requirePositive(op.amountReceivedFen, "the amount received");

/** The amount received for a basket, allocated to its lines pro rata to their list value (largest remainder). */
export const confirmPaymentOperation = idempotent(
  206,
  confirmPaymentCodec,
  checkPayment,
  (ctx, signer, op) => {
    const head = loadOrder(ctx, op.orderId);
    if (!isPaymentServiceOf(ctx, head.enterprise, signer)) requireEnterprise(signer, head.enterprise);
    const lines = basketLines(ctx, op.orderId, ["created"], "confirm payment of");
    const listValueFen = lines.reduce((sum, o) => sum + o.listValueFen, 0n);
    if (op.amountReceivedFen > listValueFen) {
      throw new MarketingError("OVERPAID", "the amount received is more than the order's value", {
        listValueFen: listValueFen.toString(),
      });
    }
    const shares = largestRemainderSplit(
      op.amountReceivedFen,
      lines.map((o) => o.listValueFen),
    );
    lines.forEach((order, i) => {
      const receivedFen = shares[i]!;
      const next: Order = { ...order, status: "paid", receivedFen, lastReason: "payment-confirmed" };
      writeOrder(ctx.state, next);
      if (next.marketer) {
        const e = loadEarnings(ctx.state, order.enterprise, next.marketer);
        writeEarnings(ctx.state, order.enterprise, next.marketer, {
          ...e,
          referredOrders: e.referredOrders + 1,
          pendingSalesFen: e.pendingSalesFen + receivedFen,
        });
      }
      orderEvent(ctx, next, "orderPaid", { amountReceivedFen: receivedFen });
    });
    return op.orderId.toString();
  },
);

function step(
  tag: number,
  from: string,
  action: string,
  apply: (ctx: TxContext, order: Order, reason: ReasonCode) => void,
  buyerToo = false,
) {
  return idempotent(tag, orderStepCodec, (ctx, signer, op) => {
    const head = loadOrder(ctx, op.orderId);
    requireOrderParty(signer, head, buyerToo);
    for (const order of basketLines(ctx, op.orderId, from.split("|"), action)) {
      apply(ctx, { ...order, lastReason: op.reason }, op.reason);
    }
    return op.orderId.toString();
  });
}

export const shipOrderOperation = step(207, "paid", "ship", (ctx, order) => {
  const next: Order = { ...order, status: "shipped" };
  writeOrder(ctx.state, next);
  orderEvent(ctx, next, "orderShipped");
});

export const confirmDeliveryOperation = step(208, "shipped", "deliver", (ctx, order) => {
  markDelivered(ctx, order, readProduct(ctx.state, order.enterprise, order.sku)!);
});

/** The buyer confirms receipt and waives the rest of the return window: completion now. */
export const confirmReceiptOperation = idempotent(209, orderStepCodec, (ctx, signer, op) => {
  const order = loadOrder(ctx, op.orderId);
  if (signer.role !== "buyer" || !order.buyerCode || !bytesEqual(order.buyerCode, signer.code)) {
    throw new MarketingError("NOT_ORDER_PARTY", "only the order's buyer confirms receipt", {});
  }
  for (const line of basketLines(ctx, op.orderId, ["delivered"], "confirm receipt of")) {
    completeOrder(ctx, { ...line, lastReason: op.reason });
  }
  return order.id.toString();
});

export const cancelOrderOperation = step(
  210,
  "created|paid",
  "cancel",
  (ctx, order) => {
    const product = readProduct(ctx.state, order.enterprise, order.sku)!;
    const units = BigInt(order.quantity - order.returnedUnits);
    writeProduct(ctx.state, { ...product, stock: product.stock + units, reserved: product.reserved - units });
    const next: Order = {
      ...order,
      status: "cancelled",
      refundedFen: order.receivedFen,
      returnedUnits: order.quantity,
    };
    writeOrder(ctx.state, next);
    if (order.marketer && order.status === "paid") {
      const e = loadEarnings(ctx.state, order.enterprise, order.marketer);
      writeEarnings(ctx.state, order.enterprise, order.marketer, {
        ...e,
        pendingSalesFen: e.pendingSalesFen - (order.receivedFen - order.refundedFen),
      });
    }
    orderEvent(ctx, next, "orderCancelled");
  },
  true,
);

export const refundOrderOperation = idempotent(211, refundOrderCodec, (ctx, signer, op) => {
  const order = loadOrder(ctx, op.orderId);
  requireEnterprise(signer, order.enterprise);
  refundOrder(ctx, order, op.amountFen, op.returnedUnits, op.reason);
  return order.id.toString();
});

export const authorisePaymentServiceCodec = struct({
  idempotencyKey: idemKey,
  code: codeBytes,
  authorised: bool,
});

/**
 * The enterprise authorises (or stops authorising) a payment service, an identity of the
 * consortium with the enterprise role (a payment company's organisation), to confirm the
 * amounts received for its orders and to record the payouts it makes of its withdrawals.
 */
export const authorisePaymentServiceOperation = idempotent(
  214,
  authorisePaymentServiceCodec,
  (ctx, signer, op) => {
    requireEnterprise(signer, signer.organisation);
    const payer = readIdentity(ctx.state, op.code);
    if (payer?.role !== "enterprise" || payer.organisation === signer.organisation) {
      throw new MarketingError(
        "PAYMENT_SERVICE_INVALID",
        "a payment service is an enterprise identity of another organisation",
        {
          code: encodeUserCode(op.code),
        },
      );
    }
    const key = keys.paymentService(signer.organisation, op.code);
    if (op.authorised) ctx.state.set(key, Uint8Array.of(1));
    else ctx.state.delete(key);
    ctx.emit(
      appEvent("paymentServiceAuthorised", {
        enterprise: signer.organisation,
        code: encodeUserCode(op.code),
        authorised: String(op.authorised),
      }),
    );
    return encodeUserCode(op.code);
  },
);

// ---------------------------------------------------------------- withdrawals

const checkWithdrawalAmount = (op: CodecType<typeof requestWithdrawalCodec>) =>
  requirePositive(op.amountFen, "a withdrawal");

export const requestWithdrawalOperation = idempotent(
  212,
  requestWithdrawalCodec,
  checkWithdrawalAmount,
  (ctx, signer, op) => String(requestWithdrawal(ctx, op.enterprise, signer.code, op.amountFen)),
);

/**
 * The outcome of paying a withdrawal (a payee's request or an instant payout): paid, with the
 * external payment reference, or rejected (its amount returns to the balance, netting any debt
 * first). Signed by whoever paid it: the enterprise's finance, or a payment service the
 * enterprise authorised (authorisePaymentService), as for confirmPayment. One operation for
 * both, since the decision and its effect are the same whoever records it (tag 220, a second
 * operation for the service, is retired).
 */
/** A paid withdrawal names the payment that paid it (finance's or the provider's reference). */
function checkDecision(op: CodecType<typeof decideWithdrawalCodec>): void {
  if (op.paid && op.externalReference.trim().length === 0) {
    throw new MarketingError(
      "EXTERNAL_REFERENCE_REQUIRED",
      "a paid withdrawal carries finance's payment reference",
      {},
    );
  }
}

export const decideWithdrawalOperation = idempotent(
  213,
  decideWithdrawalCodec,
  checkDecision,
  (ctx, signer, op) => {
    if (!isPaymentServiceOf(ctx, op.enterprise, signer)) requireEnterprise(signer, op.enterprise);
    decideWithdrawal(ctx, op.enterprise, op.withdrawalId, op.paid, op.externalReference);
    return String(op.withdrawalId);
  },
);

export const setPayoutOptionsCodec = struct({ idempotencyKey: idemKey, instantPayout: bool });

/**
 * The enterprise turns instant payout on or off: when on, each commission that settles is at
 * once a withdrawal request, for its payment service to pay through the payment connector.
 */
export const setPayoutOptionsOperation = idempotent(215, setPayoutOptionsCodec, (ctx, signer, op) => {
  requireEnterprise(signer, signer.organisation);
  loadEscrow(ctx.state, signer.organisation);
  write(ctx.state, keys.payoutOptions(signer.organisation), payoutOptionsCodec, {
    instantPayout: op.instantPayout,
  });
  ctx.emit(
    appEvent("payoutOptionsSet", {
      enterprise: signer.organisation,
      instantPayout: String(op.instantPayout),
    }),
  );
  return String(op.instantPayout);
});

export const MARKETING_OPERATIONS = {
  importBatch: importBatchOperation,
  setRoyaltyPolicy: setRoyaltyPolicyOperation,
  depositEscrow: depositEscrowOperation,
  createReferralCode: createReferralCodeOperation,
  createOrder: createOrderOperation,
  touchReferral: touchReferralOperation,
  confirmPayment: confirmPaymentOperation,
  shipOrder: shipOrderOperation,
  confirmDelivery: confirmDeliveryOperation,
  confirmReceipt: confirmReceiptOperation,
  cancelOrder: cancelOrderOperation,
  refundOrder: refundOrderOperation,
  requestWithdrawal: requestWithdrawalOperation,
  decideWithdrawal: decideWithdrawalOperation,
  authorisePaymentService: authorisePaymentServiceOperation,
  setPayoutOptions: setPayoutOptionsOperation,
} as const;
