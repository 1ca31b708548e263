import { invariant } from "../../errors.js";
import { domainBytes } from "../../ledger/bytes.js";
import { encodeUserCode } from "../../pki/user-code.js";
import { readAccount, writeAccount } from "../accounts.js";
import { ADDRESS_BYTES, addressHex } from "../address.js";
import { appEvent } from "../events.js";
import { readIdentity } from "../identity/records.js";
import type { StateReader } from "../state.js";
import type { MarketingContext } from "./context.js";
import { MarketingError } from "./errors.js";
import { minBig } from "./money.js";
import {
  appendStatement,
  type Commission,
  type CommissionPart,
  type Escrow,
  keys,
  loadEarnings,
  loadEscrow,
  type PayoutOptions,
  payableEntryCodec,
  payoutOptionsCodec,
  read,
  readCommission,
  readEscrow,
  type StatementKind,
  type Withdrawal,
  withdrawalCodec,
  write,
  writeCommission,
  writeEarnings,
  writeEscrow,
} from "./records.js";

/**
 * Settlement: the escrowed commission budget of each enterprise, payees' balances and debts,
 * the queue of commissions waiting for budget, clawbacks and withdrawals.
 *
 * Where the money is. A deposit moves fen from the enterprise's account to its vault account
 * (an address no key controls: hash("MKL/marketing-vault/v1" || org)). The vault holds exactly
 * escrow balance + payees' balances + withdrawals awaiting confirmation. A confirmed withdrawal
 * has been paid out through the bank by finance, so its fen leave the vault (and the chain).
 * Hence, per enterprise: deposited = escrow + balances + pending withdrawals + withdrawn.
 * A debt (clawback larger than the balance) is a receivable, outside that sum; it is repaid by
 * netting it against later commissions, whose netted part simply stays in the escrow.
 */

const VAULT_DOMAIN = domainBytes("MKL/marketing-vault/v1");
export const MAX_SETTLEMENTS_PER_CALL = 64;

export function vaultAddress(hash: (data: Uint8Array) => Uint8Array, org: string): Uint8Array {
  const orgBytes = new TextEncoder().encode(org);
  const input = new Uint8Array(VAULT_DOMAIN.length + orgBytes.length);
  input.set(VAULT_DOMAIN);
  input.set(orgBytes, VAULT_DOMAIN.length);
  return hash(input).slice(0, ADDRESS_BYTES);
}

/** Adds a deposit to the escrow (the caller moved the fen to the vault) and pays waiting commissions. */
export function creditDeposit(
  ctx: MarketingContext,
  org: string,
  amountFen: bigint,
  reference: string,
): void {
  const escrow = loadEscrow(ctx.state, org);
  writeEscrow(ctx.state, org, {
    ...escrow,
    balanceFen: escrow.balanceFen + amountFen,
    depositedFen: escrow.depositedFen + amountFen,
  });
  ctx.emit(appEvent("escrowDeposited", { enterprise: org, amountFen, reference }));
  drainPayables(ctx, org);
}

/** Queues one part of a commission and settles the queue as far as the budget goes. */
export function queuePayment(ctx: MarketingContext, org: string, orderId: bigint, part: number): void {
  const escrow = loadEscrow(ctx.state, org);
  const c = readCommission(ctx.state, orderId)!;
  const p = c.parts[part]!;
  write(ctx.state, keys.payable(org, escrow.payableTail), payableEntryCodec, { orderId, part });
  writeEscrow(ctx.state, org, {
    ...escrow,
    payableTail: escrow.payableTail + 1n,
    payableFen: escrow.payableFen + p.grossFen,
  });
  const e = loadEarnings(ctx.state, org, p.payee);
  writeEarnings(ctx.state, org, p.payee, { ...e, payableFen: e.payableFen + p.grossFen });
  drainPayables(ctx, org);
  const after = readCommission(ctx.state, orderId)!.parts[part]!;
  if (after.status === "payable") {
    appendStatement(ctx.state, org, p.payee, statement(ctx, "payable", orderId, p.grossFen, ""));
    ctx.emit(
      appEvent("commissionPayable", {
        enterprise: org,
        orderId,
        payee: encodeUserCode(p.payee),
        role: p.role,
        amountFen: p.grossFen,
        escrowFen: readEscrow(ctx.state, org)!.balanceFen,
      }),
    );
  }
}

/**
 * Settles waiting commissions first in, first out, while the escrow covers the next one; at
 * most MAX_SETTLEMENTS_PER_CALL per call (the end-block hook continues the work).
 */
export function drainPayables(ctx: MarketingContext, org: string): number {
  let settled = 0;
  for (; settled < MAX_SETTLEMENTS_PER_CALL; settled++) {
    const escrow = readEscrow(ctx.state, org)!;
    if (escrow.payableHead === escrow.payableTail) break;
    const entry = read(ctx.state, keys.payable(org, escrow.payableHead), payableEntryCodec)!;
    const c = readCommission(ctx.state, entry.orderId)!;
    const part = c.parts[entry.part]!;
    const dueFen = part.grossFen - part.clawedBackFen;
    const payee = loadEarnings(ctx.state, org, part.payee);
    const nettedFen = minBig(payee.debtFen, dueFen);
    const cashFen = dueFen - nettedFen;
    if (cashFen > escrow.balanceFen) break;
    ctx.state.delete(keys.payable(org, escrow.payableHead));
    writeEscrow(ctx.state, org, {
      ...escrow,
      payableHead: escrow.payableHead + 1n,
      payableFen: escrow.payableFen - dueFen,
      balanceFen: escrow.balanceFen - cashFen,
      settledFen: escrow.settledFen + cashFen,
    });
    writeEarnings(ctx.state, org, part.payee, {
      ...payee,
      payableFen: payee.payableFen - dueFen,
      debtFen: payee.debtFen - nettedFen,
      balanceFen: payee.balanceFen + cashFen,
      settledFen: payee.settledFen + dueFen,
    });
    const parts = c.parts.map(
      (p, i): CommissionPart => (i === entry.part ? { ...p, status: "settled", settledFen: dueFen } : p),
    );
    writeCommission(ctx.state, { ...c, parts });
    // A part clawed back in full while it waited leaves the queue without a settlement.
    if (dueFen > 0n) recordSettlement(ctx, c, entry.part, dueFen, nettedFen);
  }
  return settled;
}

function recordSettlement(
  ctx: MarketingContext,
  c: Commission,
  part: number,
  dueFen: bigint,
  nettedFen: bigint,
) {
  const p = c.parts[part]!;
  const identity = readIdentity(ctx.state, p.payee);
  appendStatement(ctx.state, c.enterprise, p.payee, statement(ctx, "settled", c.orderId, dueFen, c.policyId));
  if (nettedFen > 0n) {
    appendStatement(
      ctx.state,
      c.enterprise,
      p.payee,
      statement(ctx, "debt-netted", c.orderId, nettedFen, ""),
    );
  }
  ctx.emit(
    appEvent("commissionSettled", {
      enterprise: c.enterprise,
      orderId: c.orderId,
      payee: encodeUserCode(p.payee),
      settlementAccount: identity ? addressHex(identity.settlementAccount) : "",
      role: p.role,
      amountFen: dueFen,
      nettedDebtFen: nettedFen,
      policyId: c.policyId,
      policyVersion: c.policyVersion,
    }),
  );
  // Instant payout: what this settlement put on the balance is asked for at once, for the
  // enterprise's payment service to pay (or reject) with its reference.
  const cashFen = dueFen - nettedFen;
  if (cashFen > 0n && readPayoutOptions(ctx.state, c.enterprise).instantPayout) {
    requestWithdrawal(ctx, c.enterprise, p.payee, cashFen, { origin: "instant-payout", orderId: c.orderId });
  }
}

export function readPayoutOptions(state: StateReader, org: string): PayoutOptions {
  return read(state, keys.payoutOptions(org), payoutOptionsCodec) ?? { instantPayout: false };
}

/**
 * Reverses `clawFen` of a commission part after a refund. A part still payable just shrinks; a
 * settled one takes the money back from the payee's balance into the escrow, and what the
 * balance cannot cover becomes a debt (never dropped, netted against later commissions).
 */
export function clawBack(
  ctx: MarketingContext,
  orderId: bigint,
  part: number,
  clawFen: bigint,
  reason: string,
): void {
  if (clawFen === 0n) return;
  const c = readCommission(ctx.state, orderId)!;
  const p = c.parts[part]!;
  invariant(clawFen <= p.grossFen - p.clawedBackFen, "a clawback never exceeds what is left of a commission");
  const org = c.enterprise;
  const e = loadEarnings(ctx.state, org, p.payee);
  let fromBalanceFen = 0n;
  let debtFen = 0n;
  if (p.status === "settled") {
    fromBalanceFen = minBig(e.balanceFen, clawFen);
    debtFen = clawFen - fromBalanceFen;
    const escrow = readEscrow(ctx.state, org)!;
    writeEscrow(ctx.state, org, {
      ...escrow,
      balanceFen: escrow.balanceFen + fromBalanceFen,
      returnedFen: escrow.returnedFen + fromBalanceFen,
    });
    writeEarnings(ctx.state, org, p.payee, {
      ...e,
      balanceFen: e.balanceFen - fromBalanceFen,
      debtFen: e.debtFen + debtFen,
      clawedBackFen: e.clawedBackFen + clawFen,
    });
  } else {
    const escrow = readEscrow(ctx.state, org)!;
    writeEscrow(ctx.state, org, { ...escrow, payableFen: escrow.payableFen - clawFen });
    writeEarnings(ctx.state, org, p.payee, {
      ...e,
      payableFen: e.payableFen - clawFen,
      clawedBackFen: e.clawedBackFen + clawFen,
    });
  }
  const parts = c.parts.map((q, i) => (i === part ? { ...q, clawedBackFen: q.clawedBackFen + clawFen } : q));
  writeCommission(ctx.state, { ...c, parts });
  appendStatement(ctx.state, org, p.payee, statement(ctx, "clawback", orderId, clawFen, reason));
  ctx.emit(
    appEvent("commissionClawedBack", {
      enterprise: org,
      orderId,
      payee: encodeUserCode(p.payee),
      role: p.role,
      amountFen: clawFen,
      fromBalanceFen,
      debtFen,
      reason,
    }),
  );
  if (p.status === "settled") drainPayables(ctx, org);
}

export function statement(
  ctx: MarketingContext,
  kind: StatementKind,
  orderId: bigint,
  amountFen: bigint,
  reference: string,
) {
  return { kind, orderId, amountFen, height: ctx.height, timeMs: ctx.timeMs, reference };
}

/**
 * A payout of part of a payee's balance with an enterprise, asked for by the payee or, with
 * instant payout, by the settlement of one order's commission.
 */
export function requestWithdrawal(
  ctx: MarketingContext,
  org: string,
  payee: Uint8Array,
  amountFen: bigint,
  by: { origin: Withdrawal["origin"]; orderId: bigint } = { origin: "payee", orderId: 0n },
): number {
  const e = loadEarnings(ctx.state, org, payee);
  if (amountFen <= 0n || amountFen > e.balanceFen) {
    throw new MarketingError(
      "INSUFFICIENT_BALANCE",
      `balance ${e.balanceFen} fen cannot pay out ${amountFen} fen`,
      {
        balanceFen: e.balanceFen.toString(),
        amountFen: amountFen.toString(),
      },
    );
  }
  const escrow = loadEscrow(ctx.state, org);
  const id = escrow.withdrawalCount;
  writeEscrow(ctx.state, org, { ...escrow, withdrawalCount: id + 1 });
  write(ctx.state, keys.withdrawal(org, id), withdrawalCodecRef(), {
    id,
    enterprise: org,
    payee,
    amountFen,
    status: "requested",
    ...by,
    requestedAtMs: ctx.timeMs,
    decidedAtMs: 0n,
    externalReference: "",
  });
  writeEarnings(ctx.state, org, payee, {
    ...e,
    balanceFen: e.balanceFen - amountFen,
    pendingWithdrawalFen: e.pendingWithdrawalFen + amountFen,
  });
  appendStatement(ctx.state, org, payee, statement(ctx, "withdrawal-requested", 0n, amountFen, String(id)));
  ctx.emit(
    appEvent("withdrawalRequested", {
      enterprise: org,
      withdrawalId: id,
      payee: encodeUserCode(payee),
      amountFen,
      origin: by.origin,
      orderId: by.orderId,
    }),
  );
  return id;
}

/**
 * Finance confirms (paid, with its external payment reference: the fen leave the vault) or
 * rejects (the amount returns to the payee's balance) a requested withdrawal.
 */
export function decideWithdrawal(
  ctx: MarketingContext,
  org: string,
  id: number,
  paid: boolean,
  externalReference: string,
): void {
  const w = read(ctx.state, keys.withdrawal(org, id), withdrawalCodecRef());
  if (!w) throw new MarketingError("WITHDRAWAL_UNKNOWN", `no withdrawal ${id} at ${org}`, { id });
  if (w.status !== "requested") {
    throw new MarketingError("WITHDRAWAL_DECIDED", `withdrawal ${id} is already ${w.status}`, { id });
  }
  const e = loadEarnings(ctx.state, org, w.payee);
  write(ctx.state, keys.withdrawal(org, id), withdrawalCodecRef(), {
    ...w,
    status: paid ? "paid" : "rejected",
    decidedAtMs: ctx.timeMs,
    externalReference,
  });
  if (paid) {
    writeEarnings(ctx.state, org, w.payee, {
      ...e,
      pendingWithdrawalFen: e.pendingWithdrawalFen - w.amountFen,
      withdrawnFen: e.withdrawnFen + w.amountFen,
    });
    const escrow: Escrow = readEscrow(ctx.state, org)!;
    writeEscrow(ctx.state, org, { ...escrow, withdrawnFen: escrow.withdrawnFen + w.amountFen });
    const vault = vaultAddress(ctx.hash, org);
    const account = readAccount(ctx.state, vault);
    invariant(account.balanceFen >= w.amountFen, "the vault holds every pending withdrawal");
    writeAccount(ctx.state, vault, { ...account, balanceFen: account.balanceFen - w.amountFen });
  }
  const kind = paid ? "withdrawal-paid" : "withdrawal-rejected";
  appendStatement(ctx.state, org, w.payee, statement(ctx, kind, 0n, w.amountFen, externalReference));
  // R4: the amount of a rejected withdrawal goes to the debt first, then to the balance.
  const nettedFen = paid ? 0n : returnToBalance(ctx, org, w.payee, w.amountFen);
  ctx.emit(
    appEvent(paid ? "withdrawalPaid" : "withdrawalRejected", {
      enterprise: org,
      withdrawalId: id,
      payee: encodeUserCode(w.payee),
      amountFen: w.amountFen,
      externalReference,
      ...(paid ? {} : { nettedDebtFen: nettedFen }),
    }),
  );
}

/**
 * A pending withdrawal's amount comes back: what the payee owes is taken first (it stays in the
 * escrow, as a clawback would have), the rest is balance again. Returns the fen netted.
 */
function returnToBalance(ctx: MarketingContext, org: string, payee: Uint8Array, amountFen: bigint): bigint {
  const e = loadEarnings(ctx.state, org, payee);
  const nettedFen = minBig(e.debtFen, amountFen);
  writeEarnings(ctx.state, org, payee, {
    ...e,
    pendingWithdrawalFen: e.pendingWithdrawalFen - amountFen,
    debtFen: e.debtFen - nettedFen,
    balanceFen: e.balanceFen + amountFen - nettedFen,
  });
  if (nettedFen > 0n) {
    const escrow = readEscrow(ctx.state, org)!;
    writeEscrow(ctx.state, org, {
      ...escrow,
      balanceFen: escrow.balanceFen + nettedFen,
      returnedFen: escrow.returnedFen + nettedFen,
    });
    appendStatement(ctx.state, org, payee, statement(ctx, "debt-netted", 0n, nettedFen, ""));
    drainPayables(ctx, org);
  }
  return nettedFen;
}

const withdrawalCodecRef = () => withdrawalCodec;
