import { CodedError, LedgerError } from "../../errors.js";
import { bytes, decode, encode, list, Reader } from "../../ledger/codec.js";
import { MAX_TX_BYTES } from "../../ledger/tx.js";

/** Most transactions in one batch request, JSON or binary (the body limit bounds their bytes too). */
export const MAX_BATCH_TXS = 500;

/** The content type of the binary batch route's body. */
export const TX_BATCH_CONTENT_TYPE = "application/octet-stream";

/**
 * The binary batch route's body (`POST /v1/txs/batch/binary`): the ledger codec's list of byte
 * strings, that is a u32 count, then per transaction a u32 length and its canonical signed
 * encoding, big-endian, nothing after. No hex and no JSON to parse: the bytes go to admission as
 * they came.
 */
const txBatchCodec = list(bytes(MAX_TX_BYTES), MAX_BATCH_TXS);

export function encodeTxBatch(txs: readonly Uint8Array[]): Uint8Array {
  return encode(txBatchCodec, [...txs]);
}

/** A binary batch body that is not one: refused whole, as the JSON route refuses a malformed body. */
export class TxBatchFormatError extends CodedError<"BAD_REQUEST"> {}

const malformed = (message: string) => new TxBatchFormatError("BAD_REQUEST", `body: ${message}`);

/**
 * The transactions of a binary batch body. Throws TxBatchFormatError for an empty batch, more
 * than MAX_BATCH_TXS, an empty transaction, or anything but the canonical encoding (a length
 * past the end, bytes left over); a transaction that is not a valid one is admission's to refuse.
 */
export function decodeTxBatch(body: Uint8Array): Uint8Array[] {
  const count = body.length >= 4 ? new Reader(body).u32() : 0;
  if (count === 0) throw malformed("txs is empty");
  if (count > MAX_BATCH_TXS) throw malformed(`at most ${MAX_BATCH_TXS} transactions in a batch`);
  let txs: Uint8Array[];
  try {
    txs = decode(txBatchCodec, body);
  } catch (error) {
    if (!(error instanceof LedgerError)) throw error;
    throw malformed(`not a batch of length-prefixed transactions: ${error.message}`);
  }
  const empty = txs.findIndex((tx) => tx.length === 0);
  if (empty >= 0) throw malformed(`transaction ${empty} is empty`);
  return txs;
}
