import { mkdirSync } from "node:fs";
import { type Database, open, type RootDatabase } from "lmdb";
import type { Alert } from "./alerts.js";
import { StoredNonceBook } from "./nonces.js";
import type { SeriesValue } from "./series.js";
import { seriesKey } from "./series.js";

const MINUTE_MS = 60_000;

export interface HistoryOptions {
  readonly path: string;
  /** How long the minute averages (and the alert history) are kept: default 7 days. */
  readonly retentionMs?: number;
  /** How long every scrape is kept at full resolution: default 6 hours. */
  readonly rawRetentionMs?: number;
}

export interface Point {
  readonly atMs: number;
  readonly value: number;
}

/** Counters and histogram sums keep their last value in a minute; gauges the mean. */
const isCumulative = (metric: string) => /(_total|_sum|_count)$/.test(metric);

type Tier = "raw" | "1m";

/** Keys sort by tier, node, then time: the time is written as 16 decimal digits. */
const at = (ms: number) => String(Math.max(0, Math.floor(ms))).padStart(16, "0");
const sampleKey = (tier: Tier, node: string, ms: number) => `${tier}\u0000${node}\u0000${at(ms)}`;
const timeOf = (key: string) => Number(key.slice(key.lastIndexOf("\u0000") + 1));
interface MinuteBucket {
  minute: number;
  readonly sums: Map<number, { sum: number; count: number; last: number; cumulative: boolean }>;
}

/**
 * The monitor's history in an LMDB environment of its own: every scrape of every node for a
 * few hours, then one point a minute for the retention (7 days by default), and the resolved
 * alerts. A node's point is one array of float64 indexed by a per-node series number, so a
 * scrape is one small write; old points are pruned by key range.
 */
export class MonitorHistory {
  private readonly root: RootDatabase;
  private readonly samples: Database<Buffer, string>;
  private readonly seriesIds: Database<number, [string, string]>;
  private readonly alerts: Database<Alert, string>;
  private nonces: StoredNonceBook | undefined;
  private readonly ids = new Map<string, Map<string, number>>();
  private readonly buckets = new Map<string, MinuteBucket>();
  /** The last write made: batched, so a read first waits for it to commit (see settled()). */
  private lastWrite: Promise<unknown> = Promise.resolve();
  readonly retentionMs: number;
  readonly rawRetentionMs: number;

  constructor(options: HistoryOptions) {
    mkdirSync(options.path, { recursive: true });
    this.retentionMs = options.retentionMs ?? 7 * 86_400_000;
    this.rawRetentionMs = Math.min(options.rawRetentionMs ?? 6 * 3_600_000, this.retentionMs);
    this.root = open({ path: options.path, maxDbs: 5, compression: false });
    this.samples = this.root.openDB({ name: "samples", encoding: "binary" });
    this.seriesIds = this.root.openDB({ name: "series" });
    this.alerts = this.root.openDB({ name: "alerts" });
    for (const { key, value } of this.seriesIds.getRange()) this.idsOf(key[0]).set(key[1], value);
  }

  private idsOf(node: string): Map<string, number> {
    const ids = this.ids.get(node) ?? new Map<string, number>();
    this.ids.set(node, ids);
    return ids;
  }

  private idOf(node: string, key: string): number {
    const ids = this.idsOf(node);
    let id = ids.get(key);
    if (id === undefined) {
      id = ids.size;
      ids.set(key, id);
      this.lastWrite = this.seriesIds.put([node, key], id);
    }
    return id;
  }

  /** Records one scrape of one node (and folds it into the node's current minute). */
  record(node: string, atMs: number, series: readonly SeriesValue[]): void {
    const values: Array<[number, number, boolean]> = series.map((s) => [
      this.idOf(node, seriesKey(s.metric, s.labels)),
      s.value,
      isCumulative(s.metric),
    ]);
    const width = this.idsOf(node).size;
    const raw = new Float64Array(width).fill(Number.NaN);
    for (const [id, value] of values) raw[id] = value;
    this.lastWrite = this.samples.put(sampleKey("raw", node, atMs), Buffer.from(raw.buffer));
    this.foldIntoMinute(node, atMs, values);
  }

  private foldIntoMinute(node: string, atMs: number, values: Array<[number, number, boolean]>): void {
    const minute = Math.floor(atMs / MINUTE_MS) * MINUTE_MS;
    let bucket = this.buckets.get(node);
    if (bucket !== undefined && bucket.minute !== minute) {
      this.writeMinute(node, bucket);
      bucket = undefined;
    }
    if (bucket === undefined) {
      bucket = { minute, sums: new Map() };
      this.buckets.set(node, bucket);
    }
    for (const [id, value, cumulative] of values) {
      const acc = bucket.sums.get(id) ?? { sum: 0, count: 0, last: value, cumulative };
      acc.sum += value;
      acc.count++;
      acc.last = value;
      bucket.sums.set(id, acc);
    }
  }

  private writeMinute(node: string, bucket: MinuteBucket): void {
    const out = new Float64Array(this.idsOf(node).size).fill(Number.NaN);
    for (const [id, acc] of bucket.sums) out[id] = acc.cumulative ? acc.last : acc.sum / acc.count;
    this.lastWrite = this.samples.put(sampleKey("1m", node, bucket.minute), Buffer.from(out.buffer));
  }

  /** The series a node has reported, by key. */
  seriesNames(node: string): string[] {
    return [...this.idsOf(node).keys()].sort();
  }

  nodes(): string[] {
    return [...this.ids.keys()].sort();
  }

  /**
   * Points of one series between two times, from the full-resolution scrapes while they are
   * kept and from the minute averages before; at most `maxPoints`, averaged into equal steps.
   */
  async query(
    node: string,
    key: string,
    fromMs: number,
    toMs: number,
    nowMs: number,
    maxPoints = 500,
  ): Promise<{ tier: Tier; points: Point[] }> {
    await this.settled();
    const id = this.ids.get(node)?.get(key);
    const tier: Tier = fromMs >= nowMs - this.rawRetentionMs ? "raw" : "1m";
    if (id === undefined) return { tier, points: [] };
    const points: Point[] = [];
    const range = { start: sampleKey(tier, node, fromMs), end: sampleKey(tier, node, toMs + 1) };
    for (const { key: k, value } of this.samples.getRange(range)) {
      const values = new Float64Array(
        value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength),
      );
      const v = values[id];
      if (v !== undefined && !Number.isNaN(v)) points.push({ atMs: timeOf(k), value: v });
    }
    return { tier, points: thin(points, fromMs, toMs, maxPoints) };
  }

  /** Waits for the writes made so far, then reads from a fresh snapshot that holds them. */
  private async settled(): Promise<void> {
    await this.lastWrite;
    this.root.resetReadTxn();
  }

  /** An alert that resolved, kept for the retention. */
  recordAlert(alert: Alert): void {
    this.lastWrite = this.alerts.put(`${at(alert.resolvedAtMs ?? alert.activeSinceMs)}\u0000${alert.id}`, {
      ...alert,
    });
  }

  /** The operator requests' nonces still inside their time window (operator-auth.ts), loaded once. */
  nonceBook(nowMs: number): StoredNonceBook {
    this.nonces ??= new StoredNonceBook(this.root.openDB({ name: "nonces" }), nowMs);
    return this.nonces;
  }

  /** Resolved alerts, newest first. */
  async alertHistory(limit = 200): Promise<Alert[]> {
    await this.settled();
    return [...this.alerts.getRange({ reverse: true, limit })].map((e) => e.value);
  }

  /** Deletes what is older than the retention of its tier. */
  async prune(nowMs: number): Promise<void> {
    const cut = async (tier: Tier, beforeMs: number) => {
      for (const node of this.nodes()) {
        await this.settled();
        for (const key of this.samples.getKeys({
          start: sampleKey(tier, node, 0),
          end: sampleKey(tier, node, beforeMs),
        }))
          this.lastWrite = this.samples.remove(key);
      }
    };
    await cut("raw", nowMs - this.rawRetentionMs);
    await cut("1m", nowMs - this.retentionMs);
    for (const key of this.alerts.getKeys({ end: at(nowMs - this.retentionMs) }))
      this.lastWrite = this.alerts.remove(key);
    await this.lastWrite;
  }

  /** How many points a tier holds (for tests of retention). */
  async count(tier: Tier, node: string): Promise<number> {
    await this.settled();
    return this.samples.getKeysCount({ start: sampleKey(tier, node, 0), end: sampleKey(tier, node, 9e15) });
  }

  async close(): Promise<void> {
    for (const [node, bucket] of this.buckets) this.writeMinute(node, bucket);
    this.buckets.clear();
    await this.root.close();
  }
}

function thin(points: Point[], fromMs: number, toMs: number, maxPoints: number): Point[] {
  if (points.length <= maxPoints) return points;
  const stepMs = Math.max(1, Math.ceil((toMs - fromMs + 1) / maxPoints));
  const out: Point[] = [];
  let bucket = -1;
  let sum = 0;
  let count = 0;
  for (const p of points) {
    const b = Math.floor((p.atMs - fromMs) / stepMs);
    if (b !== bucket && count > 0) {
      out.push({ atMs: fromMs + bucket * stepMs, value: sum / count });
      sum = 0;
      count = 0;
    }
    bucket = b;
    sum += p.value;
    count++;
  }
  if (count > 0) out.push({ atMs: fromMs + bucket * stepMs, value: sum / count });
  return out;
}
