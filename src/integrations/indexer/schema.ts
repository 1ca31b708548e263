/**
 * The indexer's tables. Every row is keyed by what the chain keys it by (height, event id,
 * order id, enterprise and withdrawal id), so replaying a block changes nothing; amounts are
 * NUMERIC(20) fen, exact like the chain's u64. `transactions` holds every transaction of every
 * block with its result code, whether or not it raised an event. (Tables made by an older
 * indexer gain the new columns; `--rebuild` fills them for the blocks it had indexed.)
 */
export const TABLES = [
  "mkl_cursor",
  "blocks",
  "transactions",
  "events",
  "orders",
  "commissions",
  "settlements",
  "withdrawals",
  "anomalies",
] as const;

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS mkl_cursor (id INT PRIMARY KEY CHECK (id = 1), height BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS blocks (height BIGINT PRIMARY KEY, hash TEXT NOT NULL, time_ms BIGINT NOT NULL, events INT NOT NULL);
ALTER TABLE blocks ADD COLUMN IF NOT EXISTS txs INT;
CREATE TABLE IF NOT EXISTS transactions (hash TEXT PRIMARY KEY, height BIGINT NOT NULL, tx_index INT NOT NULL);
ALTER TABLE transactions ADD COLUMN IF NOT EXISTS code TEXT;
CREATE TABLE IF NOT EXISTS events (id TEXT PRIMARY KEY, height BIGINT NOT NULL, tx_hash TEXT, type TEXT NOT NULL, attributes JSONB NOT NULL);
CREATE INDEX IF NOT EXISTS events_type ON events (type, height);
CREATE TABLE IF NOT EXISTS orders (
  order_id BIGINT PRIMARY KEY, enterprise TEXT NOT NULL, sku TEXT NOT NULL, status TEXT NOT NULL,
  marketer TEXT, received_fen NUMERIC(20) NOT NULL DEFAULT 0, created_height BIGINT NOT NULL, updated_height BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS commissions (
  event_id TEXT PRIMARY KEY, order_id BIGINT NOT NULL, enterprise TEXT NOT NULL, payee TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('settled', 'payable', 'clawed-back')), amount_fen NUMERIC(20) NOT NULL, height BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS settlements (
  event_id TEXT PRIMARY KEY, order_id BIGINT NOT NULL, enterprise TEXT NOT NULL, payee TEXT NOT NULL,
  amount_fen NUMERIC(20) NOT NULL, height BIGINT NOT NULL, time_ms BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS withdrawals (
  enterprise TEXT NOT NULL, withdrawal_id INT NOT NULL, payee TEXT NOT NULL, amount_fen NUMERIC(20) NOT NULL,
  origin TEXT NOT NULL, status TEXT NOT NULL, external_reference TEXT, requested_height BIGINT NOT NULL,
  decided_height BIGINT, PRIMARY KEY (enterprise, withdrawal_id));
CREATE TABLE IF NOT EXISTS anomalies (event_id TEXT PRIMARY KEY, height BIGINT NOT NULL, kind TEXT NOT NULL, enterprise TEXT, attributes JSONB NOT NULL);
`;
