import { CodedError } from "../errors.js";

/** Codes of CodecError: every byte string that is not the one canonical encoding of a value. */
export type CodecErrorCode =
  | "CODEC_TRUNCATED"
  | "CODEC_TRAILING_BYTES"
  | "CODEC_NON_CANONICAL"
  | "CODEC_TOO_LONG"
  | "CODEC_UNKNOWN_TAG"
  | "CODEC_UNKNOWN_VALUE"
  | "CODEC_INVALID_UTF8"
  | "CODEC_OUT_OF_RANGE"
  | "CODEC_WRONG_LENGTH"
  | "CODEC_WRONG_TYPE";

/** Raised by the codec on bad input to decode and on values that have no encoding. */
export class CodecError extends CodedError<CodecErrorCode> {}

export type MerkleErrorCode = "MERKLE_INDEX_OUT_OF_RANGE";

export class MerkleError extends CodedError<MerkleErrorCode> {}

export type StateErrorCode =
  | "STATE_MISSING_NODE"
  | "STATE_CORRUPT_NODE"
  | "STATE_KEY_COLLISION"
  | "STATE_KEY_TOO_LONG"
  | "STATE_VALUE_TOO_LONG"
  | "STATE_UNSORTED";

/** World-state failures: a node store that lacks a node or holds bytes that do not match their hash. */
export class StateError extends CodedError<StateErrorCode> {}

export type TxErrorCode = "TX_TOO_LARGE" | "TX_WRONG_CHAIN" | "TX_EXPIRED" | "TX_BAD_SIGNATURE";

export class TxError extends CodedError<TxErrorCode> {}

export type BlockErrorCode = "BLOCK_TOO_LARGE" | "VALIDATOR_DUPLICATE" | "VALIDATOR_ZERO_POWER";

export class BlockError extends CodedError<BlockErrorCode> {}
