import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { getSuite } from "../../crypto/index.js";
import type { KeyPair } from "../../crypto/suite.js";
import { HOME_FILES } from "../../node/config.js";
import { initSoloHome } from "../../node/home.js";
import { runNode } from "../../node/run.js";
import { startDemoTraffic } from "../demo-traffic.js";
import { stopOnSignals } from "./node.js";

const DEMO_ACCOUNTS = ["treasury", "enterprise-a", "marketer-li", "marketer-wang", "buyer-zhao"];

function loadAccounts(home: string): KeyPair[] {
  const dir = join(home, "accounts");
  if (!existsSync(dir)) return [];
  const genesis = JSON.parse(readFileSync(join(home, HOME_FILES.genesis), "utf8")) as { suite: "sm" };
  const suite = getSuite(genesis.suite);
  return readdirSync(dir)
    .filter((f) => f.endsWith(".key.pem"))
    .sort()
    .map((f) => {
      const privateKey = suite.privateKeyFromPem(readFileSync(join(dir, f), "utf8"));
      return { privateKey, publicKey: suite.publicKeyOf(privateKey) };
    });
}

/**
 * `mkl start` (what `npm start` runs): a local chain with demo data in ./.data/local (or
 * MKL_HOME), created on first run and resumed after, with a modest stream of demo transfers.
 */
export function registerStartCommand(program: Command): void {
  program
    .command("start")
    .description("run a local MarketLedger with demo data (created on first run, resumed after)")
    .option("--home <dir>", "where the local network lives", process.env.MKL_HOME ?? ".data/local")
    .option("--suite <suite>", "crypto suite for a new network", "sm")
    .option("--no-demo", "do not send demo transactions")
    .action(async (opts: { home: string; suite: "sm"; demo: boolean }) => {
      const home = resolve(opts.home);
      if (!existsSync(join(home, HOME_FILES.genesis))) {
        console.log(`creating a local network in ${home} (suite ${opts.suite})`);
        initSoloHome(home, {
          suite: opts.suite,
          chainId: "marketledger-local",
          apiPort: Number(process.env.MKL_API_PORT ?? 26650),
          fundedAccounts: DEMO_ACCOUNTS.map((name) => ({ name, balanceFen: 1_000_000_00n })),
          genesisTimeMs: BigInt(Date.now()),
        });
      } else {
        console.log(`resuming the local network in ${home}`);
      }
      const running = await runNode(home);
      const { node } = running;
      const stopDemo = opts.demo
        ? startDemoTraffic({
            apiUrl: running.apiUrl,
            suite: node.suite,
            chainId: node.genesis.chainId,
            accounts: loadAccounts(home),
            ratePerSecond: 2,
            log: (line) => node.log.warn(line),
          })
        : () => {};
      console.log(
        [
          "",
          `MarketLedger is running: chain ${node.genesis.chainId}, suite ${node.suite.id}, height ${node.chain.height}`,
          `  node ${node.config.moniker}  API      ${running.apiUrl}/v1/status`,
          `                     blocks   ${running.apiUrl}/v1/blocks/latest`,
          `                     events   ${running.apiUrl.replace(/^http/, "ws")}/v1/events`,
          `                     metrics  ${running.apiUrl}/metrics`,
          `                     OpenAPI  ${running.apiUrl}/openapi.json`,
          opts.demo ? "demo transfers are flowing; Ctrl-C stops everything" : "Ctrl-C stops everything",
          "",
        ].join("\n"),
      );
      stopOnSignals(async () => {
        stopDemo();
        await running.stop();
      });
    });
}
