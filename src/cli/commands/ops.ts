import { resolve } from "node:path";
import type { Command } from "commander";
import { systemClock } from "../../clock.js";
import { loadMonitorConfig } from "../../ops/monitor/config.js";
import { grafanaDashboard, prometheusRulesYaml } from "../../ops/monitor/prometheus.js";
import { runMonitor } from "../../ops/monitor/run.js";
import { scrapeNode, withNetworkFigures } from "../../ops/monitor/scrape.js";
import { type Target, targetsFromNetwork, targetsFromUrls } from "../../ops/monitor/targets.js";
import { type NodeView, nodeView, renderStatus } from "../../ops/monitor/view.js";
import { DEFAULT_MONITOR_URL } from "../../ops/network/ports.js";
import { CliError } from "../io.js";
import { stopOnSignals } from "./node.js";
import { registerOpsWriteCommands } from "./ops-writes.js";

function targetsOf(o: { network?: string; nodes?: string }): Target[] {
  if ((o.network === undefined) === (o.nodes === undefined))
    throw new CliError("give --network DIR or --nodes URL,... (one of them)");
  return o.network !== undefined
    ? targetsFromNetwork(resolve(o.network))
    : targetsFromUrls(o.nodes as string);
}

async function viewsFromMonitor(url: string): Promise<NodeView[]> {
  let response: Response;
  try {
    response = await fetch(`${url.replace(/\/+$/, "")}/v1/ops/nodes`, { signal: AbortSignal.timeout(5_000) });
  } catch (error) {
    throw new CliError(`cannot reach the monitor at ${url}: ${(error as Error).message}`);
  }
  if (!response.ok) throw new CliError(`the monitor at ${url} answered ${response.status}`);
  return ((await response.json()) as { nodes: NodeView[] }).nodes;
}

async function viewsByLooking(targets: Target[]): Promise<NodeView[]> {
  const samples = withNetworkFigures(
    await Promise.all(targets.map((t) => scrapeNode(t, 3_000, systemClock.now))),
  );
  return samples.map((s) => nodeView(s.target, s, s.up ? s.atMs : undefined, 0));
}

export function registerOpsCommands(program: Command): void {
  const ops = program.command("ops").description("operations: monitor the network, warn early");
  ops
    .command("monitor")
    .description("follow every node (figures, reachability, lag), keep history, evaluate the rules, notify")
    .option("--network <dir>", "a network directory (every nodeN/config.json)")
    .option("--nodes <urls>", "node API URLs, comma-separated")
    .option("--config <file>", "the monitor's file: interval, retention, rules, notifications (JSON)")
    .option("--data <dir>", "where the history is kept", ".data/monitor")
    .option("--host <host>", "the monitor API's address", "127.0.0.1")
    .option("--port <port>", "the monitor API's port (0: any free one)", new URL(DEFAULT_MONITOR_URL).port)
    .action(
      async (o: {
        network?: string;
        nodes?: string;
        config?: string;
        data: string;
        host: string;
        port: string;
      }) => {
        if (!/^[0-9]{1,5}$/.test(o.port)) throw new CliError(`--port must be a port number, got "${o.port}"`);
        const running = await runMonitor({
          targets: targetsOf(o),
          dataDir: resolve(o.data),
          ...(o.config === undefined ? {} : { configPath: resolve(o.config), configRequired: true }),
          host: o.host,
          port: Number(o.port),
          log: (line) => console.log(`[monitor] ${line}`),
        });
        console.log(
          `monitor ${running.url}/v1/ops/nodes (OpenAPI ${running.url}/openapi.json), ${running.monitor.targets.length} nodes, ${running.monitor.rules.length} rules`,
        );
        stopOnSignals(running.stop);
      },
    );
  ops
    .command("status")
    .description("the network at a glance: one row per node, red where something is wrong")
    .option("--monitor <url>", "ask a running monitor")
    .option("--network <dir>", "look at the nodes of a network directory")
    .option("--nodes <urls>", "look at these node API URLs")
    .option("--no-color", "no colours")
    .action(async (o: { monitor?: string; network?: string; nodes?: string; color: boolean }) => {
      const views =
        o.monitor !== undefined ? await viewsFromMonitor(o.monitor) : await viewsByLooking(targetsOf(o));
      for (const line of renderStatus(views, o.color && process.stdout.isTTY !== false)) console.log(line);
      if (views.some((v) => !v.up)) process.exitCode = 1;
    });
  ops
    .command("rules")
    .description(
      "print the rules in force (defaults plus --config) as a Prometheus rules file, or the Grafana dashboard",
    )
    .option("--config <file>", "the monitor's file")
    .option("--prometheus", "a Prometheus rules file (YAML)")
    .option("--grafana", "a Grafana dashboard (JSON)")
    .option("--job <name>", "the Prometheus scrape job of the nodes", "marketledger")
    .action((o: { config?: string; prometheus?: boolean; grafana?: boolean; job: string }) => {
      if (o.grafana === true) {
        console.log(JSON.stringify(grafanaDashboard(), null, 2));
        return;
      }
      const config = loadMonitorConfig(
        o.config === undefined ? undefined : resolve(o.config),
        o.config !== undefined,
      );
      if (o.prometheus === true) process.stdout.write(prometheusRulesYaml(config.rules, { job: o.job }));
      else
        for (const r of config.rules)
          console.log(`${r.name.padEnd(26)} ${r.severity.padEnd(8)} for ${r.for.padEnd(4)} ${r.summary}`);
    });
  registerOpsWriteCommands(ops);
}
