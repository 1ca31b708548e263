import type { AppEvent } from "../events.js";
import type { StateOverlay } from "../state.js";
import { completeDueOrders } from "./orders.js";
import { listEnterprises, readEscrow } from "./records.js";
import { drainPayables } from "./settlement.js";

export interface EndBlockEnv {
  readonly height: bigint;
  readonly timeMs: bigint;
  readonly state: StateOverlay;
  readonly hash: (data: Uint8Array) => Uint8Array;
}

/** At most this many enterprises have their waiting commissions looked at per block. */
export const MAX_DRAIN_ENTERPRISES_PER_BLOCK = 64;

/**
 * Deterministic work at the end of every block, after its transactions, at the block's time:
 * completes delivered orders whose return window has passed (and so settles their commissions
 * in this block), then keeps settling commissions that wait for budget. Bounded per block.
 * Returns the events it raised.
 */
export function marketingEndBlock(env: EndBlockEnv): AppEvent[] {
  const events: AppEvent[] = [];
  const ctx = { ...env, emit: (event: AppEvent) => events.push(event) };
  completeDueOrders(ctx);
  const enterprises = listEnterprises(env.state);
  const start = Number(env.height % BigInt(Math.max(1, enterprises.length)));
  for (let i = 0; i < Math.min(enterprises.length, MAX_DRAIN_ENTERPRISES_PER_BLOCK); i++) {
    const org = enterprises[(start + i) % enterprises.length]!;
    const escrow = readEscrow(env.state, org);
    if (escrow && escrow.payableHead !== escrow.payableTail) drainPayables(ctx, org);
  }
  return events;
}
