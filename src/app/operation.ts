import type { Suite } from "../crypto/suite.js";
import type { Codec } from "../ledger/codec.js";
import type { AppEvent } from "./events.js";
import type { StateOverlay } from "./state.js";

/** What an operation may see and do while it executes inside a block. */
export interface TxContext {
  readonly chainId: string;
  readonly height: bigint;
  /** Consensus time of the block (ms since the epoch): the only clock the app has. */
  readonly timeMs: bigint;
  readonly sender: Uint8Array;
  readonly senderPublicKey: Uint8Array;
  readonly txHash: Uint8Array;
  readonly state: StateOverlay;
  readonly hash: (data: Uint8Array) => Uint8Array;
  /** The chain's signature scheme, for operations that carry signed evidence. */
  readonly signatures: Pick<Suite, "verify" | "publicKeyFromBytes">;
  emit(event: AppEvent): void;
}

/**
 * One kind of operation: its wire tag, its codec and its deterministic effect. A handler
 * throws OperationError to fail the transaction; any other error is a bug and halts the node.
 */
export interface OperationHandler<T> {
  readonly tag: number;
  readonly codec: Codec<T>;
  /**
   * The checks that need no state (a positive amount, a well-formed row). The executor runs
   * them before `execute`, and a client runs the very same before it signs (checkOperation), so
   * what a client accepts and what the chain accepts cannot drift apart. Throws OperationError.
   */
  checkValue?(op: T): void;
  execute(ctx: TxContext, op: T): void;
}
