import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestChain, type TestChain, until } from "../testkit.test-util.js";
import { type RunningIndexer, startIndexer } from "./indexer.js";
import { startPostgres } from "./postgres.test-util.js";

/**
 * The indexer into a real PostgreSQL: kept current from the event stream, its totals equal the
 * chain's own queries, a restart in the middle duplicates nothing, and a rebuild from the chain
 * gives the same tables.
 */

let chain: TestChain;
let postgres: Awaited<ReturnType<typeof startPostgres>>;
let indexer: RunningIndexer | undefined;
let sql: pg.Pool;

beforeAll(async () => {
  [chain, postgres] = await Promise.all([startTestChain("indexer"), startPostgres()]);
  sql = new pg.Pool({ connectionString: postgres.url, max: 1 });
}, 60_000);

afterAll(async () => {
  await indexer?.stop();
  await sql?.end();
  postgres?.stop();
  await chain?.stop();
});

const chainHeight = async () =>
  BigInt(((await (await fetch(`${chain.url}/v1/status`)).json()) as { height: string }).height);

/** The totals in one statement, so they come from one snapshot while the indexer writes on. */
async function totals() {
  const { rows } = await sql.query(`SELECT
    (SELECT COALESCE(SUM(amount_fen), 0)::TEXT FROM settlements WHERE enterprise = 'org1') AS settled,
    (SELECT COALESCE(SUM(amount_fen), 0)::TEXT FROM commissions WHERE enterprise = 'org1' AND kind = 'clawed-back') AS "clawedBack",
    (SELECT COUNT(*)::TEXT FROM orders WHERE enterprise = 'org1' AND status = 'completed') AS completed,
    (SELECT COUNT(*)::TEXT FROM events) AS events,
    (SELECT COUNT(*)::TEXT FROM blocks) AS blocks,
    (SELECT height::TEXT FROM mkl_cursor) AS cursor`);
  return rows[0] as Record<"settled" | "clawedBack" | "completed" | "events" | "blocks" | "cursor", string>;
}

describe("mkl indexer --pg", () => {
  it("indexes while the chain moves, resumes after a restart and matches the chain's totals", async () => {
    indexer = await startIndexer({ nodeUrl: chain.url, pgUrl: postgres.url });
    await chain.demo();
    await until(async () => (await sql.query("SELECT 1 FROM settlements LIMIT 1")).rowCount === 1, 40_000);
    await indexer.stop();
    const midway = await chainHeight();
    await until(async () => (await chainHeight()) > midway + 10n);
    indexer = await startIndexer({ nodeUrl: chain.url, pgUrl: postgres.url });
    await until(
      async () => (await sql.query("SELECT 1 FROM orders WHERE status = 'completed'")).rowCount! >= 3,
      40_000,
    );
    await chain.quiesce();
    const head = await chainHeight();
    await until(async () => (indexer?.lastHeight() ?? -1n) >= head, 30_000);

    const cost = (await (await fetch(`${chain.url}/v1/marketing/enterprises/org1/cost`)).json()) as Record<
      string,
      string
    >;
    const got = await totals();
    expect(got.settled).toBe(cost.settledFen);
    expect(got.clawedBack).toBe(cost.returnedFen);
    // Every block once, from 0 to the cursor.
    expect(BigInt(got.blocks)).toBe(BigInt(got.cursor) + 1n);
    const sales = (await (
      await fetch(`${chain.url}/v1/marketing/enterprises/org1/sales/product`)
    ).json()) as {
      rows: Array<{ completedOrders: number }>;
    };
    expect(Number(got.completed)).toBe(sales.rows.reduce((sum, r) => sum + Number(r.completedOrders), 0));
    const ids = await sql.query("SELECT COUNT(*) AS n, COUNT(DISTINCT id) AS d FROM events");
    expect(ids.rows[0].n).toBe(ids.rows[0].d);
    // Every transaction, not only those that raised a business event (the demo's seeding raised none).
    const txs = await sql.query(`SELECT
      (SELECT COUNT(*)::INT FROM transactions) AS rows,
      (SELECT SUM(txs)::INT FROM blocks) AS "inBlocks",
      (SELECT COUNT(*)::INT FROM transactions t WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.tx_hash = t.hash)) AS silent`);
    expect(txs.rows[0].rows).toBe(txs.rows[0].inBlocks);
    expect(txs.rows[0].silent).toBeGreaterThan(0);

    // Re-created from the chain: the same tables.
    await indexer.stop();
    indexer = await startIndexer({ nodeUrl: chain.url, pgUrl: postgres.url, rebuild: true });
    await until(async () => (indexer?.lastHeight() ?? -1n) >= head, 30_000);
    const rebuilt = await totals();
    const same = { blocks: "-", events: "-", cursor: "-" };
    expect({ ...rebuilt, ...same }).toEqual({ ...got, ...same });
    expect(BigInt(rebuilt.blocks)).toBe(BigInt(rebuilt.cursor) + 1n);
  }, 120_000);
});
