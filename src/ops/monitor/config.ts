import { existsSync, readFileSync } from "node:fs";
import { z } from "zod";
import { parseDuration } from "./duration.js";
import { MonitorError } from "./errors.js";
import { type NotifyConfig, notifySchema } from "./notify.js";
import { type LoadedRule, resolveRules } from "./rules.js";

/**
 * The monitor's file (JSON): how often to look, how long to keep history, the rules' changes
 * to the defaults and where notifications go. Every field is optional.
 */
const configSchema = z
  .object({
    interval: z.string().default("5s"),
    retention: z.string().default("7d"),
    rules: z.array(z.unknown()).default([]),
    disabled: z.array(z.string()).default([]),
    notify: notifySchema,
  })
  .strict();

export interface MonitorConfig {
  readonly intervalMs: number;
  readonly retentionMs: number;
  readonly rules: LoadedRule[];
  readonly notify: NotifyConfig;
}

export const DEFAULT_CONFIG: MonitorConfig = {
  intervalMs: 5_000,
  retentionMs: 7 * 86_400_000,
  rules: resolveRules({}),
  notify: { webhooks: [], email: [] },
};

/** Parses the monitor's file; throws MonitorError naming the file and what is wrong in it. */
export function parseMonitorConfig(value: unknown, where: string): MonitorConfig {
  const parsed = configSchema.safeParse(value ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
      .join("; ");
    throw new MonitorError("MONITOR_CONFIG_INVALID", `${where} is invalid: ${problems}`, {
      issues: parsed.error.issues,
    });
  }
  const c = parsed.data;
  const intervalMs = parseDuration(c.interval, `${where}: interval`);
  if (intervalMs < 100)
    throw new MonitorError("MONITOR_CONFIG_INVALID", `${where}: interval must be at least 100ms`);
  return {
    intervalMs,
    retentionMs: parseDuration(c.retention, `${where}: retention`),
    rules: resolveRules({ rules: c.rules, disabled: c.disabled }, where),
    notify: c.notify,
  };
}

/** Reads and parses the file; a missing file is the defaults unless it was asked for by name. */
export function loadMonitorConfig(path: string | undefined, required = false): MonitorConfig {
  if (path !== undefined && required && !existsSync(path))
    throw new MonitorError("MONITOR_CONFIG_MISSING", `${path} does not exist`);
  if (path === undefined || !existsSync(path)) return DEFAULT_CONFIG;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new MonitorError("MONITOR_CONFIG_INVALID", `${path} is not JSON: ${(error as Error).message}`);
  }
  return parseMonitorConfig(json, path);
}
