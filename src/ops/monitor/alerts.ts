import { createHash } from "node:crypto";
import type { Condition } from "./evaluate.js";
import type { Severity } from "./rules.js";
import { seriesKey } from "./series.js";

/** An alert: one rule's condition for one node (or the network) and one series. */
export interface Alert {
  readonly id: string;
  readonly rule: string;
  readonly severity: Severity;
  readonly summary: string;
  readonly node: string;
  readonly labels: Readonly<Record<string, string>>;
  state: "pending" | "firing" | "resolved";
  value: number;
  readonly activeSinceMs: number;
  firedAtMs?: number;
  resolvedAtMs?: number;
  acknowledged?: { readonly by: string; readonly atMs: number };
  /** True when a silence matched at the moment it fired (no notification went out). */
  silenced?: boolean;
}

export interface Silence {
  readonly id: string;
  /** Empty matchers match every alert. */
  readonly rule?: string;
  readonly node?: string;
  readonly untilMs: number;
  readonly comment: string;
  /** The user code of the operator who signed the request. */
  readonly by: string;
}

export type AlertEvent = { readonly kind: "firing" | "resolved"; readonly alert: Alert };

/** The same rule, node and labels give the same id (a short hash, safe in a URL): that is the de-duplication. */
export function alertId(condition: Pick<Condition, "node" | "labels"> & { rule: { name: string } }): string {
  const fingerprint = `${condition.rule.name}/${condition.node}/${seriesKey("", condition.labels)}`;
  return createHash("sha256").update(fingerprint).digest("hex").slice(0, 16);
}

/**
 * The alerts' life: pending while a condition holds for less than its rule's `for`, firing once
 * (one event, never repeated while it holds), resolved by itself when the condition clears or its
 * series disappears (one event, only if it had fired). A silence stops the notifications of
 * alerts it matches; an acknowledgement records who saw it. Resolved alerts go to `onHistory`.
 */
export class AlertBook {
  private readonly active = new Map<string, Alert>();
  private readonly silences = new Map<string, Silence>();
  private silenceSeq = 0;

  constructor(private readonly onHistory: (alert: Alert) => void = () => {}) {}

  update(conditions: readonly Condition[], nowMs: number): AlertEvent[] {
    const events: AlertEvent[] = [];
    const seen = new Set<string>();
    for (const condition of conditions) {
      if (!condition.active) continue;
      const id = alertId(condition);
      seen.add(id);
      const alert =
        this.active.get(id) ??
        ({
          id,
          rule: condition.rule.name,
          severity: condition.rule.severity,
          summary: condition.rule.summary,
          node: condition.node,
          labels: condition.labels,
          state: "pending",
          value: condition.value,
          activeSinceMs: nowMs,
        } satisfies Alert);
      alert.value = condition.value;
      this.active.set(id, alert);
      if (alert.state === "pending" && nowMs - alert.activeSinceMs >= condition.rule.forMs) {
        alert.state = "firing";
        alert.firedAtMs = nowMs;
        alert.silenced = this.silenceFor(alert, nowMs) !== undefined;
        if (!alert.silenced) events.push({ kind: "firing", alert });
      }
    }
    for (const [id, alert] of this.active) {
      if (seen.has(id)) continue;
      this.active.delete(id);
      if (alert.state !== "firing") continue;
      alert.state = "resolved";
      alert.resolvedAtMs = nowMs;
      this.onHistory(alert);
      if (!alert.silenced && this.silenceFor(alert, nowMs) === undefined)
        events.push({ kind: "resolved", alert });
    }
    return events;
  }

  /** Firing and pending alerts, firing first, then by severity. */
  list(): Alert[] {
    const rank = { critical: 0, warning: 1, info: 2 };
    return [...this.active.values()].sort(
      (a, b) =>
        (a.state === b.state ? 0 : a.state === "firing" ? -1 : 1) || rank[a.severity] - rank[b.severity],
    );
  }

  get(id: string): Alert | undefined {
    return this.active.get(id);
  }

  acknowledge(id: string, by: string, nowMs: number): Alert | undefined {
    const alert = this.active.get(id);
    if (alert !== undefined) alert.acknowledged = { by, atMs: nowMs };
    return alert;
  }

  silence(
    matchers: { rule?: string; node?: string },
    durationMs: number,
    note: { comment: string; by: string },
    nowMs: number,
  ): Silence {
    const silence: Silence = {
      id: `s${++this.silenceSeq}`,
      ...(matchers.rule === undefined ? {} : { rule: matchers.rule }),
      ...(matchers.node === undefined ? {} : { node: matchers.node }),
      untilMs: nowMs + durationMs,
      comment: note.comment,
      by: note.by,
    };
    this.silences.set(silence.id, silence);
    return silence;
  }

  unsilence(id: string): boolean {
    return this.silences.delete(id);
  }

  listSilences(nowMs: number): Silence[] {
    for (const [id, s] of this.silences) if (s.untilMs <= nowMs) this.silences.delete(id);
    return [...this.silences.values()];
  }

  private silenceFor(alert: Alert, nowMs: number): Silence | undefined {
    return this.listSilences(nowMs).find(
      (s) =>
        (s.rule === undefined || s.rule === alert.rule) && (s.node === undefined || s.node === alert.node),
    );
  }
}
