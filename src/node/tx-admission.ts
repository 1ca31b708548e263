import { readAccount } from "../app/accounts.js";
import { addressOf } from "../app/address.js";
import { isInvalidInput } from "../app/errors.js";
import { authorizeTx, checkTxSignature, decodeTxEnvelope } from "../app/executor.js";
import type { Suite } from "../crypto/suite.js";
import type { LedgerError } from "../errors.js";
import { toHex } from "../ledger/bytes.js";
import { senderOf } from "../ledger/tx.js";
import type { HeadReads } from "./admission-reads.js";
import type { Chain } from "./chain.js";
import { type Mempool, MempoolError, refusal } from "./mempool.js";
import type { VerifyBudget } from "./verify-budget.js";

/** Who sent a transaction to this node: an API client's address, or a peer's id. */
export type TxSource = { kind: "client"; address: string } | { kind: "peer"; id: string };

export interface TxAdmissionDeps {
  readonly suite: Suite;
  readonly chain: Chain;
  readonly mempool: Mempool;
  readonly clientBudget: VerifyBudget;
  readonly peerBudget: VerifyBudget;
  /**
   * The most pending transactions at which a client's transaction is still admitted (the commit
   * pace); a peer's relay of one some node already admitted is held to the pool's own bound.
   */
  readonly clientPoolLimit?: () => number;
  /** Committed state read once per head height (the sender's identity and account); else the store. */
  readonly headReads?: HeadReads;
  /** The most of this node's own clients' transactions the pool may hold (its share of the pace). */
  readonly clientLocalLimit?: () => number;
  /** The node's clock, for each admitted transaction's admission time (the pace's wait figure). */
  readonly nowMs?: () => number;
  /** Called before each signature verification (a metric). */
  readonly onSignatureCheck?: () => void;
}

/**
 * True for what admitToMempool throws to refuse a transaction: bad input, or a pool that will not
 * take it (full, a duplicate, the nonce taken, the budget spent). Anything else, a storage fault
 * or a broken invariant, is not the transaction's fault and must propagate.
 */
export function isTxRefusal(error: unknown): error is LedgerError {
  return isInvalidInput(error) || error instanceof MempoolError;
}

/**
 * Admits a transaction to the mempool, cheapest checks first, so that a forged transaction the
 * pool would refuse anyway costs no signature verification: decoding, chain and expiry; a known,
 * active sender whose role may sign the operation; the nonce window, the per-sender quota and
 * the pool's room (for a client, the room the commit pace and this node's share of it leave;
 * a client's transaction that could not fill a gap is refused for want of room before it is
 * even decoded); then, within the source's verification budget, the signature. Throws a
 * LedgerError with a stable code; changes nothing unless the transaction is admitted.
 */
export function admitToMempool(deps: TxAdmissionDeps, bytes: Uint8Array, source: TxSource): Uint8Array {
  const { chain, mempool, suite } = deps;
  const client = source.kind === "client";
  const maxTxs = client ? deps.clientPoolLimit?.() : undefined;
  const maxLocal = client ? deps.clientLocalLimit?.() : undefined;
  // Under overload most clients' transactions are refused: refuse before any decode those that
  // could not fill a gap (their sender has nothing pending), which is all the checks below say.
  if (maxTxs !== undefined || maxLocal !== undefined) {
    const key = senderOf(bytes);
    const poolMax = maxTxs ?? Number.POSITIVE_INFINITY;
    const localMax = maxLocal ?? Number.POSITIVE_INFINITY;
    if (key !== undefined && mempool.refusesAtBound(toHex(addressOf(suite.hash, key)), poolMax, localMax))
      throw mempool.full(poolMax, localMax);
  }
  const latest = chain.latestHeader();
  const nextHeight = latest.height + 1n;
  const env = { chainId: chain.genesis.chainId, height: nextHeight, timeMs: latest.timeMs };
  const admitted = decodeTxEnvelope(suite, env, bytes);
  const state = deps.headReads?.at(latest.height) ?? chain.state;
  // Who signed it, and may that role sign this operation? Checked again in execution.
  authorizeTx(state, env, admitted);
  const hashHex = toHex(admitted.hash);
  const poolTx = {
    hashHex,
    senderHex: toHex(admitted.sender),
    nonce: admitted.tx.nonce,
    expiryHeight: admitted.tx.expiryHeight,
    bytes,
    local: client,
    ...(deps.nowMs === undefined ? {} : { admittedAtMs: deps.nowMs() }),
  };
  const accountNonce = readAccount(state, admitted.sender).nonce;
  mempool.check(poolTx, accountNonce, nextHeight, maxTxs, maxLocal);
  if (!chain.verifiedTxs.hasHex(hashHex)) {
    const budget = source.kind === "peer" ? deps.peerBudget : deps.clientBudget;
    if (!budget.take(source.kind === "peer" ? `peer:${source.id}` : source.address)) {
      throw refusal("TX_VERIFY_BUDGET", "too many signatures to verify from this client; retry later", {});
    }
    deps.onSignatureCheck?.();
    checkTxSignature(suite, admitted);
    chain.verifiedTxs.addHex(hashHex);
  }
  mempool.add(poolTx, accountNonce, nextHeight);
  chain.verifiedTxs.remember(admitted);
  return admitted.hash;
}
