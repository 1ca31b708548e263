import { z } from "zod";
import { nodeMetricNames } from "../../node/metrics.js";
import { parseDuration } from "./duration.js";
import { MonitorError } from "./errors.js";

export const SEVERITIES = ["info", "warning", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Series the monitor itself adds to every node's figures. */
export const MONITOR_METRICS = ["up", "mkl_ops_lag_blocks"] as const;

const durationText = z.string().regex(/^[0-9]{1,9}(ms|s|m|h|d)$/, "a duration like 30s, 5m, 1h");

/**
 * One early-warning rule: a condition on one figure of a node, true for `for` before it fires.
 * `fn` says what is compared: the latest value, its increase over `window` (counters), or the
 * seconds until it (timestamps). `scope: chain` rules watch what every node reports alike (the
 * chain's business, its certificates): one alert for the network, not one per node.
 */
export const ruleSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, "letters, digits and _ (a Prometheus alert name)"),
    severity: z.enum(SEVERITIES),
    for: durationText,
    metric: z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, "a Prometheus metric name"),
    labels: z.record(z.string(), z.string()).default({}),
    fn: z.enum(["value", "increase", "secondsUntil"]).default("value"),
    window: durationText.optional(),
    op: z.enum([">", ">=", "<", "<=", "==", "!="]),
    threshold: z.number().finite(),
    scope: z.enum(["node", "chain"]).default("node"),
    summary: z.string().min(1).max(300),
    /** The PromQL expression the Prometheus rules file uses, when the generated one cannot say it. */
    promql: z.string().optional(),
  })
  .strict()
  .refine((r) => r.fn !== "increase" || r.window !== undefined, {
    message: "fn increase needs a window",
    path: ["window"],
  });
export type Rule = z.infer<typeof ruleSchema>;

const DAY = 86_400;
/** The defaults: sane for a consortium of a few validators making a block a second or so. */
export const DEFAULT_RULES: Rule[] = [
  r("NodeUnreachable", "critical", "30s", "up", "==", 0, "the monitor cannot reach the node"),
  r(
    "HeightStalled",
    "critical",
    "10s",
    "mkl_since_last_commit_seconds",
    ">",
    30,
    "no block committed for 30 s",
  ),
  {
    ...r(
      "NodeLagging",
      "warning",
      "30s",
      "mkl_ops_lag_blocks",
      ">",
      10,
      "the node is more than 10 blocks behind the best",
    ),
    promql: 'scalar(max(mkl_block_height{job="marketledger"})) - mkl_block_height{job="marketledger"} > 10',
  },
  {
    ...r(
      "RepeatedRoundChanges",
      "warning",
      "0s",
      "mkl_consensus_round_changes_total",
      ">",
      5,
      "more than 5 failed rounds in 5 minutes",
    ),
    fn: "increase",
    window: "5m",
  },
  {
    ...r(
      "ValidatorMissingVotes",
      "warning",
      "30s",
      "mkl_consensus_missing_votes_total",
      ">",
      20,
      "a validator missed more than 20 votes in 5 minutes",
    ),
    fn: "increase",
    window: "5m",
  },
  {
    ...r(
      "EquivocationEvidence",
      "critical",
      "0s",
      "mkl_double_sign_evidence_total",
      ">",
      0,
      "a validator signed two different votes",
    ),
    fn: "increase",
    window: "1h",
  },
  r(
    "PeersBelowQuorum",
    "critical",
    "30s",
    "mkl_peers_quorum_deficit",
    ">",
    0,
    "the node reaches fewer peers than a quorum needs",
  ),
  r(
    "VotingPowerLow",
    "critical",
    "30s",
    "mkl_voting_power_online_ratio",
    "<",
    0.7167,
    "voting power reachable below 2/3 + 5 %",
  ),
  r(
    "MempoolBacklog",
    "warning",
    "1m",
    "mkl_mempool_txs",
    ">",
    10_000,
    "more than 10 000 transactions waiting",
  ),
  r(
    "DiskFreeLow",
    "warning",
    "5m",
    "mkl_disk_free_ratio",
    "<",
    0.1,
    "less than 10 % of the data directory's disk free",
  ),
  r(
    "RssHigh",
    "warning",
    "5m",
    "mkl_process_resident_memory_bytes",
    ">",
    2 * 1024 ** 3,
    "the node's resident memory is above 2 GiB",
  ),
  r(
    "EventLoopLag",
    "warning",
    "1m",
    "mkl_nodejs_eventloop_lag_p99_seconds",
    ">",
    0.2,
    "the node's event loop lags more than 200 ms (p99)",
  ),
  {
    ...r(
      "NodeCertificateExpiring",
      "critical",
      "0s",
      "mkl_certificate_earliest_expiry_timestamp_seconds",
      "<",
      14 * DAY,
      "a certificate of the node expires within 14 days",
    ),
    labels: { scope: "node" },
    fn: "secondsUntil",
  },
  {
    ...r(
      "OrgCaCertificateExpiring",
      "critical",
      "0s",
      "mkl_certificate_earliest_expiry_timestamp_seconds",
      "<",
      30 * DAY,
      "an organisation CA expires within 30 days",
    ),
    labels: { scope: "org_ca" },
    fn: "secondsUntil",
    scope: "chain",
  },
  {
    ...r(
      "UserCertificateExpiring",
      "warning",
      "0s",
      "mkl_certificate_earliest_expiry_timestamp_seconds",
      "<",
      14 * DAY,
      "a registered identity's certificate expires within 14 days",
    ),
    labels: { scope: "identity" },
    fn: "secondsUntil",
    scope: "chain",
  },
  anomaly("SelfReferral", "warning", "self-referral", "an order was referred by its own buyer"),
  anomaly(
    "AbnormalRefundRate",
    "warning",
    "abnormal-refund-rate",
    "a marketer's referred orders are refunded abnormally often",
  ),
  anomaly("CompletionFailed", "critical", "completion-failed", "an order could not complete by block time"),
  {
    ...r(
      "EscrowShortfall",
      "warning",
      "1m",
      "mkl_marketing_escrow_shortfall_fen",
      ">",
      0,
      "an enterprise's escrow cannot cover what is payable",
    ),
    scope: "chain",
  },
];

function r(
  name: string,
  severity: Severity,
  forText: string,
  metric: string,
  op: Rule["op"],
  threshold: number,
  summary: string,
): Rule {
  return {
    name,
    severity,
    for: forText,
    metric,
    labels: {},
    fn: "value",
    op,
    threshold,
    scope: "node",
    summary,
  };
}

function anomaly(name: string, severity: Severity, kind: string, summary: string): Rule {
  return {
    ...r(name, severity, "0s", "mkl_marketing_anomalies_total", ">", 0, summary),
    labels: { kind },
    fn: "increase",
    window: "10m",
    scope: "chain",
  };
}

/** A rule in the file: a whole new rule, or a default's name with the fields to change. */
const ruleEntrySchema = z.union([ruleSchema, z.object({ name: z.string() }).passthrough()]);
export const rulesFileSchema = z.object({
  rules: z.array(ruleEntrySchema).default([]),
  /** Default rules to leave out, by name. */
  disabled: z.array(z.string()).default([]),
});

export interface LoadedRule extends Rule {
  readonly forMs: number;
  readonly windowMs: number;
}

/** Known series names: a rule that names another one would never fire, so it is refused. */
function knownMetrics(): Set<string> {
  return new Set([...nodeMetricNames(), ...MONITOR_METRICS]);
}

/** The defaults with the file's changes: throws MonitorError saying which rule is wrong and why. */
export function resolveRules(file: unknown, where = "rules"): LoadedRule[] {
  const parsed = rulesFileSchema.safeParse(file ?? {});
  if (!parsed.success) throw zodError(where, parsed.error);
  const byName = new Map(DEFAULT_RULES.map((rule) => [rule.name, rule]));
  for (const name of parsed.data.disabled) {
    if (!byName.delete(name))
      throw new MonitorError("RULES_INVALID", `${where}: disabled names no rule "${name}"`);
  }
  parsed.data.rules.forEach((entry, index) => {
    const base = byName.get(entry.name);
    const merged = ruleSchema.safeParse(base === undefined ? entry : { ...base, ...entry });
    if (!merged.success) throw zodError(`${where}: rules[${index}] (${entry.name})`, merged.error);
    byName.set(entry.name, merged.data);
  });
  const known = knownMetrics();
  return [...byName.values()].map((rule) => {
    if (!known.has(rule.metric))
      throw new MonitorError(
        "RULES_UNKNOWN_METRIC",
        `${where}: rule ${rule.name} names unknown metric ${rule.metric}`,
        {
          rule: rule.name,
          metric: rule.metric,
        },
      );
    return {
      ...rule,
      forMs: parseDuration(rule.for, `rule ${rule.name} for`),
      windowMs: rule.window === undefined ? 0 : parseDuration(rule.window, `rule ${rule.name} window`),
    };
  });
}

function zodError(where: string, error: z.ZodError): MonitorError {
  const problems = error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
  return new MonitorError("RULES_INVALID", `${where} is invalid: ${problems}`, { issues: error.issues });
}
