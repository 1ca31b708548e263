import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { grafanaDashboard, prometheusRulesYaml, promqlOf } from "./prometheus.js";
import { DEFAULT_RULES, resolveRules } from "./rules.js";

const ROOT = new URL("../../../", import.meta.url).pathname;
const SHIPPED_RULES = join(ROOT, "ops/prometheus/marketledger-rules.yml");
const SHIPPED_DASHBOARD = join(ROOT, "ops/prometheus/marketledger-dashboard.json");

describe("the Prometheus rules and Grafana dashboard", () => {
  it("ship as generated from the monitor's default rules (regenerate with mkl ops rules --prometheus)", () => {
    expect(readFileSync(SHIPPED_RULES, "utf8")).toBe(prometheusRulesYaml(resolveRules({})));
    expect(JSON.parse(readFileSync(SHIPPED_DASHBOARD, "utf8"))).toEqual(grafanaDashboard());
  });

  it("are accepted by promtool check rules, with durations overridden too", () => {
    const dir = mkdtempSync(join(tmpdir(), "mkl-promtool-"));
    try {
      const short = join(dir, "short.yml");
      writeFileSync(short, prometheusRulesYaml(DEFAULT_RULES, { forOverride: "1s", job: "test" }));
      for (const file of [SHIPPED_RULES, short]) {
        const out = execFileSync("promtool", ["check", "rules", file], { encoding: "utf8" });
        expect(out).toContain(`SUCCESS: ${DEFAULT_RULES.length} rules found`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("say in PromQL what the embedded rules say", () => {
    const byName = new Map(DEFAULT_RULES.map((r) => [r.name, r]));
    expect(promqlOf(byName.get("NodeUnreachable")!)).toBe('up{job="marketledger"} == 0');
    expect(promqlOf(byName.get("SelfReferral")!)).toBe(
      'max without (instance) (increase(mkl_marketing_anomalies_total{job="marketledger",kind="self-referral"}[10m])) > 0',
    );
    expect(promqlOf(byName.get("NodeCertificateExpiring")!)).toBe(
      '(mkl_certificate_earliest_expiry_timestamp_seconds{job="marketledger",scope="node"} - time()) < 1209600',
    );
  });
});
