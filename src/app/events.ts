import { type CodecType, list, string, struct } from "../ledger/codec.js";

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

/** The outcome of one transaction in a block; their Merkle root is the header's resultsRoot. */
export const txResultCodec = struct({
  code: string(64),
  message: string(512),
  events: list(eventCodec, 64),
});
export type TxResult = CodecType<typeof txResultCodec>;
