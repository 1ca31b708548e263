import {
  bytes,
  type CodecType,
  decode,
  encode,
  fixedBytes,
  string,
  struct,
  taggedUnion,
  unit,
} from "../../ledger/codec.js";
import { MAX_CHAIN_ID_BYTES, MAX_PUBLIC_KEY_BYTES, MAX_SIGNATURE_BYTES } from "../../ledger/tx.js";

/**
 * The messages inside a frame, in the ledger's canonical codec: a u8 tag, then the body.
 * hello(1) is the first and only first message of each side; data(2) carries the consensus
 * engine's opaque bytes; ping(3)/pong(4) keep an idle link observably alive.
 */
export const INCARNATION_BYTES = 16;
/** Hellos are tiny; before a peer has proven who it is, no frame may be larger than this. */
export const MAX_HELLO_FRAME_BYTES = 1024;

export const helloCodec = struct({
  chainId: string(MAX_CHAIN_ID_BYTES),
  /** The consensus public key bytes of the sender (its node id is their lowercase hex). */
  nodeId: bytes(MAX_PUBLIC_KEY_BYTES),
  /** Random per Transport start: tells a restarted peer from a stale link to its old self. */
  incarnation: fixedBytes(INCARNATION_BYTES),
  signature: bytes(MAX_SIGNATURE_BYTES),
});
export type Hello = CodecType<typeof helloCodec>;

export const wireMessageCodec = taggedUnion("u8", {
  hello: { tag: 1, codec: helloCodec },
  // The frame bounds the payload; this codec does not need a second limit.
  data: { tag: 2, codec: bytes(0xffff_ffff) },
  ping: { tag: 3, codec: unit },
  pong: { tag: 4, codec: unit },
});
export type WireMessage = CodecType<typeof wireMessageCodec>;

/** Bytes a data message adds around its payload (tag + length). */
export const DATA_OVERHEAD_BYTES = 5;

export function encodeWire(message: WireMessage): Uint8Array {
  const hint = message.kind === "data" ? message.value.length + DATA_OVERHEAD_BYTES : 256;
  return encode(wireMessageCodec, message, hint);
}

/** Throws CodecError on anything but a canonical message. */
export function decodeWire(body: Uint8Array): WireMessage {
  return decode(wireMessageCodec, body);
}
