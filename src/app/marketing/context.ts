import type { TxContext } from "../operation.js";

/** What marketing code needs from a transaction or from the end of a block. */
export type MarketingContext = Pick<TxContext, "height" | "timeMs" | "state" | "hash" | "emit">;
