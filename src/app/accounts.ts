import { type CodecType, decode, encode, struct, u64 } from "../ledger/codec.js";
import { AccountError } from "./errors.js";
import type { StateOverlay, StateReader } from "./state.js";

/** An account's balance in fen and the next nonce its owner must use. */
export const accountCodec = struct({ balanceFen: u64, nonce: u64 });
export type Account = CodecType<typeof accountCodec>;

const EMPTY_ACCOUNT: Account = { balanceFen: 0n, nonce: 0n };
const ACCOUNT_PREFIX = new TextEncoder().encode("acct/");

export function accountKey(address: Uint8Array): Uint8Array {
  const key = new Uint8Array(ACCOUNT_PREFIX.length + address.length);
  key.set(ACCOUNT_PREFIX);
  key.set(address, ACCOUNT_PREFIX.length);
  return key;
}

export function readAccount(state: StateReader, address: Uint8Array): Account {
  const bytes = state.get(accountKey(address));
  return bytes === undefined ? EMPTY_ACCOUNT : decode(accountCodec, bytes);
}

export function writeAccount(state: StateOverlay, address: Uint8Array, account: Account): void {
  state.set(accountKey(address), encode(accountCodec, account));
}

/** Refuses an amount of zero: a movement of money moves some. */
export function requirePositiveAmount(amountFen: bigint): void {
  if (amountFen <= 0n) {
    throw new AccountError("INVALID_AMOUNT", `amount must be positive, got ${amountFen} fen`, {
      amountFen: amountFen.toString(),
    });
  }
}

/** Moves fen between accounts; never lets a balance go below zero. */
export function moveFunds(state: StateOverlay, from: Uint8Array, to: Uint8Array, amountFen: bigint): void {
  requirePositiveAmount(amountFen);
  const source = readAccount(state, from);
  if (source.balanceFen < amountFen) {
    throw new AccountError(
      "INSUFFICIENT_FUNDS",
      `balance ${source.balanceFen} fen is less than ${amountFen} fen`,
      { balanceFen: source.balanceFen.toString(), amountFen: amountFen.toString() },
    );
  }
  writeAccount(state, from, { ...source, balanceFen: source.balanceFen - amountFen });
  const target = readAccount(state, to);
  writeAccount(state, to, { ...target, balanceFen: target.balanceFen + amountFen });
}
