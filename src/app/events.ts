import { type CodecType, encodeListOfEncoded, list, string, struct } from "../ledger/codec.js";

/** What an operation reports to clients: a type and ordered string attributes. */
export const eventCodec = struct({
  type: string(64),
  attributes: list(struct({ key: string(64), value: string(1024) }), 32),
});
export type AppEvent = CodecType<typeof eventCodec>;

export function appEvent(type: string, attributes: Record<string, string | bigint | number>): AppEvent {
  return {
    type,
    attributes: Object.entries(attributes).map(([key, value]) => ({ key, value: String(value) })),
  };
}

export const TX_OK = "OK";

/** A detail of a failed result: the offending data, as a key and its decimal, hex or text value. */
export const resultDetailCodec = struct({ key: string(64), value: string(256) });
export type ResultDetail = CodecType<typeof resultDetailCodec>;
export const MAX_RESULT_DETAILS = 16;
/** Longest detail value kept, in UTF-16 code units (at most 4 UTF-8 bytes each, within string(256)). */
const MAX_DETAIL_CHARS = 64;

/**
 * The outcome of one transaction in a block; their Merkle root is the header's resultsRoot.
 * It holds only stable data: the error code and the structured details, never the human
 * message, so rewording a message never changes the hash of an old block.
 */
export const txResultCodec = struct({
  code: string(64),
  details: list(resultDetailCodec, MAX_RESULT_DETAILS),
  events: list(eventCodec, 64),
});
export type TxResult = CodecType<typeof txResultCodec>;
const MAX_BLOCK_RESULTS = 20_000;
/** A block's results as stored and sent with it, one per transaction in block order. */
export const txResultsCodec = list(txResultCodec, MAX_BLOCK_RESULTS);

/** A block's results as txResultsCodec encodes them, from each result's own encoding. */
export function encodeTxResults(encodedResults: readonly Uint8Array[]): Uint8Array {
  return encodeListOfEncoded(encodedResults, MAX_BLOCK_RESULTS);
}

/** A value an operation error may carry as a detail: each has one text form. */
export type DetailValue = string | number | bigint | boolean;

/**
 * The hashed form of an error's details: sorted by key, each value in its one text form,
 * at most MAX_RESULT_DETAILS of them, long text cut to MAX_DETAIL_CHARS.
 */
export function resultDetails(details: Readonly<Record<string, DetailValue>>): ResultDetail[] {
  return Object.keys(details)
    .sort()
    .slice(0, MAX_RESULT_DETAILS)
    .map((key) => ({ key: key.slice(0, 64), value: String(details[key]).slice(0, MAX_DETAIL_CHARS) }));
}

/** The text a person reads for a result: derived from its code and details, never stored. */
export function describeResult(result: Pick<TxResult, "code" | "details">): string {
  if (result.details.length === 0) return result.code;
  return `${result.code} (${result.details.map((d) => `${d.key}=${d.value}`).join(", ")})`;
}
