import { MonitorError } from "./errors.js";

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** "30s", "5m", "500ms", "7d" in milliseconds (Prometheus' duration units). */
export function parseDuration(text: string, what: string): number {
  const match = /^([0-9]{1,9})(ms|s|m|h|d)$/.exec(text);
  if (match === null)
    throw new MonitorError("MONITOR_BAD_DURATION", `${what}: "${text}" is not a duration like 30s, 5m, 1h`, {
      value: text,
    });
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}
