import { CodedError } from "../../errors.js";

/**
 * Why a link was refused or closed. Stable strings: logs, metrics and `peers().lastError`
 * carry them, and operators grep for them.
 */
export type P2pErrorCode =
  | "P2P_UNREACHABLE"
  | "P2P_TLS_FAILED"
  | "P2P_HELLO_TIMEOUT"
  | "P2P_HELLO_MALFORMED"
  | "P2P_HELLO_WRONG_CHAIN"
  | "P2P_HELLO_UNKNOWN_PEER"
  | "P2P_HELLO_SELF"
  | "P2P_HELLO_UNEXPECTED_PEER"
  | "P2P_HELLO_BAD_SIGNATURE"
  | "P2P_FRAME_TOO_LARGE"
  | "P2P_FRAME_EMPTY"
  | "P2P_PROTOCOL"
  | "P2P_PEER_TIMEOUT"
  | "P2P_QUEUE_OVERFLOW"
  | "P2P_DUPLICATE"
  | "P2P_NOT_PERMITTED"
  | "P2P_CLOSED"
  | "P2P_TOO_MANY_PENDING"
  | "P2P_BAD_OPTIONS";

export class P2pError extends CodedError<P2pErrorCode> {}
