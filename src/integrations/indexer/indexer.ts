import pg from "pg";
import { type EventFollower, followEvents } from "../../sdk/index.js";
import type { BlockEventsJson, FeedEventJson } from "../../sdk/wire/events.js";
import { BUSINESS_EVENT_KINDS } from "../business-events.js";
import { SCHEMA_SQL, TABLES } from "./schema.js";

/**
 * The PostgreSQL indexer (`mkl indexer --pg URL`): follows a node's business events and writes
 * blocks, every transaction, events, orders, commissions, settlements, withdrawals and anomalies as
 * tables, one SQL transaction per block that also moves its cursor, so after a crash it resumes
 * from the block after the last one committed; every write is keyed so a replay changes nothing.
 * `rebuild` drops the tables and re-creates them from the chain, block 0 on.
 */

export interface IndexerOptions {
  readonly nodeUrl: string;
  readonly pgUrl: string;
  readonly rebuild?: boolean;
  readonly log?: (line: string) => void;
}

export interface RunningIndexer {
  lastHeight(): bigint | undefined;
  stop(): Promise<void>;
}

type Query = (sql: string, values: unknown[]) => Promise<unknown>;

async function writeEvent(q: Query, block: BlockEventsJson, e: FeedEventJson): Promise<void> {
  const a = e.attributes;
  const h = block.height;
  await q("INSERT INTO events VALUES ($1,$2,$3,$4,$5) ON CONFLICT DO NOTHING", [
    e.id,
    h,
    e.txHash,
    e.type,
    a,
  ]);
  if (e.type.startsWith("order") && a.orderId !== undefined) {
    await q(
      `INSERT INTO orders (order_id, enterprise, sku, status, marketer, received_fen, created_height, updated_height)
       VALUES ($1,$2,$3,$4,NULLIF($5,''),COALESCE($6,'0')::NUMERIC,$7,$7)
       ON CONFLICT (order_id) DO UPDATE SET status = EXCLUDED.status, marketer = EXCLUDED.marketer,
         received_fen = CASE WHEN $6 IS NULL THEN orders.received_fen ELSE EXCLUDED.received_fen END,
         updated_height = EXCLUDED.updated_height
       WHERE orders.updated_height <= EXCLUDED.updated_height`,
      [a.orderId, a.enterprise, a.sku, a.status, a.marketer ?? "", a.amountReceivedFen ?? null, h],
    );
  }
  const commissionKind = {
    commissionSettled: "settled",
    commissionPayable: "payable",
    commissionClawedBack: "clawed-back",
  }[e.type];
  if (commissionKind !== undefined) {
    await q("INSERT INTO commissions VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT DO NOTHING", [
      e.id,
      a.orderId,
      a.enterprise,
      a.payee,
      commissionKind,
      a.amountFen,
      h,
    ]);
    if (commissionKind === "settled")
      await q("INSERT INTO settlements VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT DO NOTHING", [
        e.id,
        a.orderId,
        a.enterprise,
        a.payee,
        a.amountFen,
        h,
        block.timeMs,
      ]);
  }
  if (e.type === "withdrawalRequested")
    await q(
      `INSERT INTO withdrawals (enterprise, withdrawal_id, payee, amount_fen, origin, status, requested_height)
       VALUES ($1,$2,$3,$4,$5,'requested',$6) ON CONFLICT DO NOTHING`,
      [a.enterprise, a.withdrawalId, a.payee, a.amountFen, a.origin ?? "payee", h],
    );
  if (e.type === "withdrawalPaid" || e.type === "withdrawalRejected")
    await q(
      "UPDATE withdrawals SET status = $3, external_reference = $4, decided_height = $5 WHERE enterprise = $1 AND withdrawal_id = $2",
      [
        a.enterprise,
        a.withdrawalId,
        e.type === "withdrawalPaid" ? "paid" : "rejected",
        a.externalReference ?? "",
        h,
      ],
    );
  if (e.type === "anomaly")
    await q("INSERT INTO anomalies VALUES ($1,$2,$3,$4,$5) ON CONFLICT DO NOTHING", [
      e.id,
      h,
      a.kind ?? "",
      a.enterprise ?? null,
      a,
    ]);
}

export async function startIndexer(options: IndexerOptions): Promise<RunningIndexer> {
  const log = options.log ?? (() => {});
  const pool = new pg.Pool({ connectionString: options.pgUrl, max: 2 });
  if (options.rebuild) await pool.query(`DROP TABLE IF EXISTS ${TABLES.join(", ")}`);
  await pool.query(SCHEMA_SQL);
  const row = await pool.query<{ height: string }>("SELECT height FROM mkl_cursor WHERE id = 1");
  let last = row.rows[0] === undefined ? undefined : BigInt(row.rows[0].height);

  const follower: EventFollower = followEvents(
    options.nodeUrl,
    { kinds: BUSINESS_EVENT_KINDS, fromHeight: (last ?? -1n) + 1n, txs: true },
    async (block) => {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const q: Query = (sql, values) => client.query(sql, values);
        const txs = block.txs ?? [];
        await q(
          "INSERT INTO blocks (height, hash, time_ms, events, txs) VALUES ($1,$2,$3,$4,$5) ON CONFLICT DO NOTHING",
          [block.height, block.hash, block.timeMs, block.events.length, txs.length],
        );
        // The block's transactions in one statement (a full block holds thousands).
        await q(
          `INSERT INTO transactions (hash, height, tx_index, code)
           SELECT hash, $1, tx_index, code FROM unnest($2::TEXT[], $3::INT[], $4::TEXT[]) AS t(hash, tx_index, code)
           ON CONFLICT DO NOTHING`,
          [block.height, txs.map((t) => t.hash), txs.map((t) => t.index), txs.map((t) => t.code)],
        );
        for (const e of block.events) await writeEvent(q, block, e);
        await q(
          "INSERT INTO mkl_cursor VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET height = EXCLUDED.height",
          [block.height],
        );
        await client.query("COMMIT");
        last = BigInt(block.height);
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    { onError: (error) => log(`indexer: ${error.message}`), retryMs: 200, maxRetryMs: 2_000 },
  );
  return {
    lastHeight: () => last,
    stop: async () => {
      await follower.stop();
      await pool.end();
    },
  };
}
