import { list, struct, u64 } from "../../ledger/codec.js";
import { BLOCK_WORK_LIMIT, type BlockWork, blockWorkTotal, SETTLEMENT_WORK } from "../block-work.js";
import { type AppEvent, eventCodec } from "../events.js";
import type { StateOverlay } from "../state.js";
import { completeDueOrders } from "./orders.js";
import { listEnterprises, mktKey, readEscrow, write } from "./records.js";
import { drainPayables } from "./settlement.js";

export interface EndBlockEnv {
  readonly height: bigint;
  readonly timeMs: bigint;
  readonly state: StateOverlay;
  readonly hash: (data: Uint8Array) => Uint8Array;
  /** The block's work so far (its transactions'); the hook adds its own. */
  readonly work: BlockWork;
}

/**
 * The events of the last END_EVENT_SLOTS blocks' end-block work are kept in state (a ring of
 * slots by height), so clients can read them, with proofs, like transaction results.
 */
export const END_EVENT_SLOTS = 4096n;
export const endBlockEventsCodec = struct({ height: u64, events: list(eventCodec, 20_000) });
export const endEventsKey = (height: bigint) => mktKey("end-events/", String(height % END_EVENT_SLOTS));

/** At most this many enterprises have their waiting commissions looked at per block. */
export const MAX_DRAIN_ENTERPRISES_PER_BLOCK = 64;

/**
 * Deterministic work at the end of every block, after its transactions, at the block's time:
 * completes delivered orders whose return window has passed (and so settles their commissions
 * in this block), then keeps settling commissions that wait for budget. Bounded per block
 * by counts and by the block's work (block-work.ts). Returns the events it raised.
 */
export function marketingEndBlock(env: EndBlockEnv): AppEvent[] {
  const events: AppEvent[] = [];
  const ctx = { ...env, emit: (event: AppEvent) => events.push(event) };
  completeDueOrders(ctx, env.work);
  const enterprises = listEnterprises(env.state);
  const start = Number(env.height % BigInt(Math.max(1, enterprises.length)));
  for (let i = 0; i < Math.min(enterprises.length, MAX_DRAIN_ENTERPRISES_PER_BLOCK); i++) {
    if (blockWorkTotal(env.work) >= BLOCK_WORK_LIMIT) break;
    const org = enterprises[(start + i) % enterprises.length]!;
    const escrow = readEscrow(env.state, org);
    if (escrow && escrow.payableHead !== escrow.payableTail)
      env.work.endBlock += SETTLEMENT_WORK * drainPayables(ctx, org);
  }
  if (events.length > 0)
    write(env.state, endEventsKey(env.height), endBlockEventsCodec, { height: env.height, events });
  return events;
}
