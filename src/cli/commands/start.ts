import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { getSuite, isSuiteId } from "../../crypto/index.js";
import {
  configurePaymentSimulator,
  DEMO_PARTIES,
  DEMO_PAYMENT_SERVICE,
  demoKeyPath,
  loadDemoKeys,
  seedDemoGenesis,
} from "../../ops/demo-genesis.js";
import { demoMarketingKeys, startDemoMarketing } from "../../ops/demo-marketing.js";
import { runMonitor } from "../../ops/monitor/run.js";
import { targetsFromNetwork } from "../../ops/monitor/targets.js";
import { turnOnMetrics } from "../../ops/network/metrics-on.js";
import { basePortOf, moveLocalPorts } from "../../ops/network/move-ports.js";
import { pointNodesAtMonitor } from "../../ops/network/ops-proxy.js";
import { listenersOf, refuseBusyPorts } from "../../ops/network/port-check.js";
import { DEFAULT_BASE_PORT, MONITOR_ABOVE_BASE } from "../../ops/network/ports.js";
import { parseSuiteOption } from "./cert.js";
import { initNetwork, parsePortOption } from "./network.js";
import {
  launchOrRefuse,
  parseStartupTimeout,
  STARTUP_TIMEOUT_FLAG,
  STARTUP_TIMEOUT_HELP,
} from "./network-up.js";
import { stopOnSignals } from "./node.js";

const LOCAL_ORGS = 4;
const BUSY_PORT_HINT =
  "stop what holds it, or choose other ports with --base-port N (npm start -- --base-port N)";

interface StartOptions {
  home: string;
  suite: string;
  basePort?: string;
  demo: boolean;
  metrics?: boolean;
  monitor: boolean;
  monitorPort?: string;
  restart: boolean;
  startupTimeout?: string;
}

/**
 * `mkl start` (what `npm start` runs): a local consortium of four validators, one per
 * organisation, each its own process on loopback over mutual TLS, with demo identities and
 * funds, created in ./.data/local (or MKL_HOME) on first run and resumed after.
 */
export function registerStartCommand(program: Command): void {
  program
    .command("start")
    .description("run a local four-organisation MarketLedger network with demo data (created on first run)")
    .option("--home <dir>", "where the local network lives", process.env.MKL_HOME ?? ".data/local")
    .option("--suite <suite>", "crypto suite for a new network", "sm")
    .option("--no-demo", "do not send demo transactions")
    .option("--no-monitor", "do not run the embedded monitor")
    .option(
      "--base-port <port>",
      `node1's API port (default ${DEFAULT_BASE_PORT}): APIs base..base+3, p2p base+10..base+13; moves a resumed network`,
    )
    .option("--monitor-port <port>", "the monitor API's port (default base+19; another free one if taken)")
    .option(
      "--metrics",
      "give every node its own /metrics listener too (API port + 20: 26671-26674 at the default base)",
    )
    .option("--restart", "restart a node that exits, with backoff (as mkl network up --restart)", false)
    .option(STARTUP_TIMEOUT_FLAG, STARTUP_TIMEOUT_HELP)
    .action(async (opts: StartOptions) => {
      const home = resolve(opts.home);
      const startupTimeoutMs = parseStartupTimeout(opts.startupTimeout);
      const suite = parseSuiteOption(opts.suite);
      const basePort =
        opts.basePort === undefined ? undefined : parsePortOption("--base-port", opts.basePort);
      if (!existsSync(join(home, "genesis.json"))) {
        console.log(
          `creating a local network of ${LOCAL_ORGS} organisations in ${home} (suite ${opts.suite})`,
        );
        initNetwork(
          {
            orgs: String(LOCAL_ORGS),
            suite,
            out: home,
            chainId: "marketledger-local",
            days: "365",
            ...(basePort === undefined ? {} : { basePort: String(basePort) }),
          },
          (line) => console.log(`  ${line}`),
        );
        seedDemoGenesis(home, [...DEMO_PARTIES, DEMO_PAYMENT_SERVICE]);
      } else {
        console.log(`resuming the local network in ${home}`);
        if (basePort !== undefined && basePort !== basePortOf(home)) {
          moveLocalPorts(home, basePort);
          console.log(`  moved its nodes to base port ${basePort}`);
        }
      }
      if (opts.metrics === true) turnOnMetrics(home);
      // A busy port is refused before anything starts or any node's config is rewritten.
      await refuseBusyPorts(listenersOf(home), BUSY_PORT_HINT);
      // The monitor first: the nodes' configs then name it, so the console reaches /v1/ops.
      const monitor = opts.monitor
        ? await runMonitor({
            targets: targetsFromNetwork(home),
            dataDir: join(home, "monitor"),
            configPath: join(home, "monitor.json"),
            port:
              opts.monitorPort === undefined
                ? basePortOf(home) + MONITOR_ABOVE_BASE
                : parsePortOption("--monitor-port", opts.monitorPort),
            anyPortIfBusy: true,
            log: (line) => console.log(`[monitor] ${line}`),
          })
        : undefined;
      pointNodesAtMonitor(home, monitor?.url);
      // The console's payment simulator: the nodes hold the demo payment service's key.
      const simulatorKey = demoKeyPath(home, DEMO_PAYMENT_SERVICE.name);
      const simulator = existsSync(simulatorKey);
      if (simulator) configurePaymentSimulator(home);
      // All or none: a port taken meanwhile or a node that cannot start leaves nothing running behind the error.
      const network = await launchOrRefuse(home, {
        print: (line) => {
          if (!line.includes('"level":30')) console.log(line);
        },
        log: (line) => console.error(`mkl: ${line}`),
        busyPortHint: BUSY_PORT_HINT,
        restart: opts.restart,
        startupTimeoutMs,
      }).catch(async (error: unknown) => {
        await monitor?.stop();
        throw error;
      });
      const urls = network.serving;
      const first = urls[0]?.url as string;
      const status = (await (await fetch(`${first}/v1/status`)).json()) as {
        chainId: string;
        suite: string;
      };
      const stopDemo = opts.demo
        ? await startDemoMarketing({
            apiUrl: first,
            suite: getSuite(isSuiteId(status.suite) ? status.suite : "sm"),
            chainId: status.chainId,
            keys: demoMarketingKeys(loadDemoKeys(home)),
            ...(simulator
              ? { paymentService: loadDemoKeys(home, [DEMO_PAYMENT_SERVICE])[0]!.publicKey.bytes }
              : {}),
            log: (line) => console.log(`[demo] ${line}`),
          })
        : () => {};
      console.log(
        [
          "",
          `MarketLedger is running: chain ${status.chainId}, suite ${status.suite}, ${urls.length} validators`,
          `  console ${first}/   (the web console; every node serves it)`,
          ...urls.map(
            (u) =>
              `  ${u.name}  ${u.url}/v1/status   (blocks ${u.url}/v1/blocks/latest, metrics ${u.url}/metrics)`,
          ),
          `  events  ${first.replace(/^http/, "ws")}/v1/events    OpenAPI ${first}/openapi.json`,
          ...(monitor === undefined
            ? []
            : [
                `  monitor ${monitor.url}/v1/ops/nodes   (alerts ${monitor.url}/v1/ops/alerts, OpenAPI ${monitor.url}/openapi.json)`,
                `          mkl ops status --monitor ${monitor.url}; rules and notifications: ${join(home, "monitor.json")}`,
              ]),
          opts.demo
            ? "demo orders are flowing (catalogue, referrals, orders, royalties); Ctrl-C stops everything"
            : "Ctrl-C stops everything",
          "",
        ].join("\n"),
      );
      stopOnSignals(async () => {
        stopDemo();
        await monitor?.stop();
        await network.stop();
      });
    });
}
