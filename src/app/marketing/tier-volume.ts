import { invariant } from "../../errors.js";
import { concatBytes, utf8Bytes } from "../../ledger/bytes.js";
import type { StateOverlay, StateReader } from "../state.js";
import { DAY_MS, periodIndex } from "./policy.js";
import { amountCodec, keys, read, write } from "./records.js";

/**
 * Tier volume (rule R1): a marketer's net received with one enterprise, over every product and
 * every policy, in the P-day window (aligned to the Unix epoch) that contains a completion.
 * Policies choose P freely (1..366), so the volume is kept by day of completion and summed over
 * the window's days. A refund after completion subtracts from the day the line completed (R2).
 *
 * Buckets of 1 day and of 16 days (aligned to day 0) hold the same amounts, so a window of up
 * to 366 days is at most 15 + 15 day buckets and 23 sixteen-day buckets: a bounded read.
 */

const WIDE_DAYS = 16;
const WIDE = BigInt(WIDE_DAYS);

export const dayOf = (timeMs: bigint): bigint => timeMs / DAY_MS;

function bucket(state: StateReader, org: string, code: Uint8Array, days: number, index: bigint): bigint {
  return read(state, keys.tierVolume(org, code, days, index), amountCodec)?.fen ?? 0n;
}

/**
 * The buckets of one marketer and bucket size, their key's common start built once: a window
 * reads up to 53 of them for every completion (the keys are the same bytes keys.tierVolume makes).
 */
function bucketsOf(state: StateReader, org: string, code: Uint8Array, days: number) {
  const prefix = keys.tierVolume(org, code, days, "");
  return (index: bigint): bigint =>
    read(state, concatBytes(prefix, utf8Bytes(String(index))), amountCodec)?.fen ?? 0n;
}

/** Adds `deltaFen` (negative for a refund) to the volume of the day `day`. */
export function addTierVolume(
  state: StateOverlay,
  org: string,
  code: Uint8Array,
  day: bigint,
  deltaFen: bigint,
): void {
  for (const [days, index] of [
    [1, day],
    [WIDE_DAYS, day / WIDE],
  ] as const) {
    const fen = bucket(state, org, code, days, index) + deltaFen;
    invariant(fen >= 0n, "a refund never takes more tier volume than its line added", {
      day: String(day),
    });
    write(state, keys.tierVolume(org, code, days, index), amountCodec, { fen });
  }
}

/** The volume from the first day of the `periodDays` window containing `timeMs` up to that day. */
export function windowVolume(
  state: StateReader,
  org: string,
  code: Uint8Array,
  periodDays: number,
  timeMs: bigint,
): bigint {
  let from = periodIndex(timeMs, periodDays) * BigInt(periodDays);
  let to = dayOf(timeMs);
  let sum = 0n;
  const day = bucketsOf(state, org, code, 1);
  for (; from <= to && from % WIDE !== 0n; from++) sum += day(from);
  for (; to >= from && (to + 1n) % WIDE !== 0n; to--) sum += day(to);
  const wide = bucketsOf(state, org, code, WIDE_DAYS);
  for (let w = from / WIDE; from <= to && w <= to / WIDE; w++) sum += wide(w);
  return sum;
}
