import type { LoadedRule } from "./rules.js";
import { type SeriesValue, seriesKey } from "./series.js";

/** One look at one node, its series by key (what the rules read). */
export interface HistoryPoint {
  readonly atMs: number;
  readonly up: boolean;
  readonly series: ReadonlyMap<string, SeriesValue>;
}

/** A rule's condition for one node (or, for chain rules, the network) and one series. */
export interface Condition {
  readonly rule: LoadedRule;
  /** The node's name; "" for a chain rule. */
  readonly node: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  readonly active: boolean;
}

export function compare(value: number, op: LoadedRule["op"], threshold: number): boolean {
  switch (op) {
    case ">":
      return value > threshold;
    case ">=":
      return value >= threshold;
    case "<":
      return value < threshold;
    case "<=":
      return value <= threshold;
    case "==":
      return value === threshold;
    case "!=":
      return value !== threshold;
  }
}

/**
 * How much a counter grew over the window ending at the last point: positive steps summed,
 * a drop read as a restart from zero; a series that appears on a reachable node grew from zero.
 * With no point before the window's first, growth is counted from the first point seen.
 */
export function increase(history: readonly HistoryPoint[], key: string, windowMs: number): number {
  const last = history[history.length - 1];
  if (last === undefined) return 0;
  const from = last.atMs - windowMs;
  let startIndex = 0;
  for (let i = history.length - 1; i >= 0; i--) {
    if ((history[i] as HistoryPoint).atMs <= from) {
      startIndex = i;
      break;
    }
  }
  let total = 0;
  let previous: number | undefined;
  for (let i = startIndex; i < history.length; i++) {
    const point = history[i] as HistoryPoint;
    if (!point.up) continue;
    // A series a reachable node does not (yet) show is at zero.
    const value = point.series.get(key)?.value ?? 0;
    if (previous !== undefined) total += value >= previous ? value - previous : value;
    previous = value;
  }
  return total;
}

function matches(series: SeriesValue, rule: LoadedRule): boolean {
  return (
    series.metric === rule.metric && Object.entries(rule.labels).every(([k, v]) => series.labels[k] === v)
  );
}

function ruleValue(
  rule: LoadedRule,
  series: SeriesValue,
  history: readonly HistoryPoint[],
  nowMs: number,
): number {
  switch (rule.fn) {
    case "value":
      return series.value;
    case "secondsUntil":
      return series.value - nowMs / 1000;
    case "increase":
      return increase(history, seriesKey(series.metric, series.labels), rule.windowMs);
  }
}

/** Every rule over every node's latest point; chain rules take the worst node's value per series. */
export function evaluateRules(
  rules: readonly LoadedRule[],
  histories: ReadonlyMap<string, readonly HistoryPoint[]>,
  nowMs: number,
): Condition[] {
  const out: Condition[] = [];
  for (const rule of rules) {
    const chain = new Map<string, { labels: Record<string, string>; value: number }>();
    for (const [node, history] of histories) {
      const latest = history[history.length - 1];
      if (latest === undefined) continue;
      for (const series of latest.series.values()) {
        if (!matches(series, rule)) continue;
        const value = ruleValue(rule, series, history, nowMs);
        if (rule.scope === "node") {
          out.push({
            rule,
            node,
            labels: series.labels,
            value,
            active: compare(value, rule.op, rule.threshold),
          });
          continue;
        }
        const key = seriesKey(series.metric, series.labels);
        const seen = chain.get(key);
        const worse = rule.op === "<" || rule.op === "<=" ? Math.min : Math.max;
        chain.set(key, {
          labels: { ...series.labels },
          value: seen === undefined ? value : worse(seen.value, value),
        });
      }
    }
    for (const { labels, value } of chain.values())
      out.push({ rule, node: "", labels, value, active: compare(value, rule.op, rule.threshold) });
  }
  return out;
}
