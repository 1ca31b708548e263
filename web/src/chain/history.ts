import { escrowCodec, keys, salesCodec } from "../../../src/app/marketing/records.js";
import { readIndexValues, readState } from "./state-reads.js";

/** One sampled height of an enterprise's books: escrow and completed sales per channel, as the chain held them then. */
export interface BooksAt {
  height: bigint;
  timeMs: bigint;
  balanceFen: bigint;
  depositedFen: bigint;
  settledFen: bigint;
  payableFen: bigint;
  returnedFen: bigint;
  /** Net amount received on completed orders, by channel. */
  salesFen: Record<string, bigint>;
}

export interface BooksHistory {
  channels: string[];
  points: BooksAt[];
}

/** `count` heights spread evenly from 1 to `tip`, the tip included, each once. */
export function sampleHeights(tip: bigint, count: number): bigint[] {
  if (tip < 1n) return [];
  const n = BigInt(Math.max(1, count));
  const heights = new Set<bigint>();
  for (let i = 1n; i <= n; i++) heights.add((tip * i + n - 1n) / n || 1n);
  return [...heights].sort((a, b) => (a < b ? -1 : 1));
}

/**
 * The enterprise's escrow and sales over time, read from the chain's own state at sampled
 * heights (`GET /v1/state/:key?height=`): nothing here is computed but the sampling.
 */
export async function booksHistory(org: string, tip: bigint, count = 16): Promise<BooksHistory> {
  const channels = await readIndexValues(org, "channel");
  const points = await Promise.all(
    sampleHeights(tip, count).map(async (height): Promise<BooksAt> => {
      const [escrow, ...sales] = await Promise.all([
        readState(keys.escrow(org), escrowCodec, height),
        ...channels.map((c) => readState(keys.sales(org, "channel", c), salesCodec, height)),
      ]);
      const e = escrow.value;
      return {
        height,
        timeMs: escrow.timeMs,
        balanceFen: e?.balanceFen ?? 0n,
        depositedFen: e?.depositedFen ?? 0n,
        settledFen: e?.settledFen ?? 0n,
        payableFen: e?.payableFen ?? 0n,
        returnedFen: e?.returnedFen ?? 0n,
        salesFen: Object.fromEntries(channels.map((c, i) => [c, sales[i]?.value?.netReceivedFen ?? 0n])),
      };
    }),
  );
  return { channels, points };
}
