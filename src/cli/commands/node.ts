import { join, resolve } from "node:path";
import type { Command } from "commander";
import { systemClock } from "../../clock.js";
import { InvariantError } from "../../errors.js";
import { toHex } from "../../ledger/bytes.js";
import { EXIT_CODE } from "../../node/fail-stop.js";
import { applyHeapGrowth } from "../../node/heap-growth.js";
import { initSoloHome } from "../../node/home.js";
import { runNode } from "../../node/run.js";
import { restoreSnapshot, writeSnapshot } from "../../node/snapshot-home.js";
import { CliError } from "../io.js";
import { parseSuiteOption } from "./cert.js";

/** Stops `stop` on SIGINT/SIGTERM, once. */
export function stopOnSignals(stop: () => Promise<void>): void {
  const handler = (signal: string) => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
    console.log(`\n${signal}: stopping…`);
    stop().then(
      () => process.exit(0),
      (error) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
}

export function registerNodeCommands(program: Command): void {
  const node = program.command("node").description("run and set up a node");
  node
    .command("init")
    .description("create a single-validator node home (key, genesis.json, config.json)")
    .requiredOption("--home <dir>", "the node's home directory")
    .option("--suite <suite>", "crypto suite of the chain: sm | ecdsa-p256 | ecdsa-secp256k1 | ed25519", "sm")
    .option("--chain-id <id>", "chain id", "marketledger-dev")
    .option("--api-port <port>", "API port", "26650")
    .action((opts: { home: string; suite: string; chainId: string; apiPort: string }) => {
      const home = resolve(opts.home);
      const { validator } = initSoloHome(home, {
        suite: parseSuiteOption(opts.suite),
        chainId: opts.chainId,
        apiPort: Number(opts.apiPort),
        fundedAccounts: [{ name: "treasury", balanceFen: 100_000_000_00n }],
        genesisTimeMs: BigInt(systemClock.now()),
      });
      console.log(`node home created in ${home}`);
      console.log(`validator public key ${toHex(validator.publicKey.bytes)}`);
      console.log(`treasury key: ${join(home, "accounts", "treasury.key.pem")}`);
    });
  node
    .command("snapshot")
    .description("write a verified state snapshot of a committed height (the node may be running)")
    .requiredOption("--home <dir>", "the node's home directory")
    .requiredOption("--height <h>", "a committed height")
    .requiredOption("--out <file>", "the snapshot file to write")
    .action(async (opts: { home: string; height: string; out: string }) => {
      if (!/^[1-9][0-9]{0,18}$/.test(opts.height))
        throw new CliError(`--height must be a height from 1, got "${opts.height}"`);
      const written = await writeSnapshot(resolve(opts.home), BigInt(opts.height), resolve(opts.out));
      console.log(
        `snapshot of height ${opts.height} in ${resolve(opts.out)}: ${written.bytes} bytes, ${written.entries} entries, state root ${written.stateRoot}, verified`,
      );
    });
  node
    .command("restore")
    .description(
      "start a new node's home from a snapshot, verified against its genesis file; then mkl node start",
    )
    .requiredOption(
      "--home <dir>",
      "the new node's home directory (keys, config.json, genesis.json; no chain yet)",
    )
    .requiredOption("--snapshot <file>", "a file written by mkl node snapshot")
    .action(async (opts: { home: string; snapshot: string }) => {
      const restored = await restoreSnapshot(resolve(opts.home), resolve(opts.snapshot));
      console.log(
        `restored height ${restored.height} (${restored.entries} state entries, certificate and state root verified); mkl node start syncs the rest`,
      );
    });
  node
    .command("start")
    .description("start a node from its home directory")
    .requiredOption("--home <dir>", "the node's home directory")
    .action(async (opts: { home: string }) => {
      const running = await runNode(resolve(opts.home));
      applyHeapGrowth(running.node.config.heapGrowthPercent);
      // The node logged the fault in one line; stop at once, before anything else is written.
      running.node.events.once("fault", (error: unknown) =>
        process.exit(error instanceof InvariantError ? EXIT_CODE.unexpected : EXIT_CODE.storageFault),
      );
      process.on("SIGHUP", () => {
        try {
          const { applied, needsRestart } = running.node.reloadConfig(resolve(opts.home));
          console.log(
            `SIGHUP: config reloaded; applied: ${applied.join(", ") || "nothing"}; needs a restart: ${needsRestart.join(", ") || "nothing"}`,
          );
        } catch (error) {
          console.error(`SIGHUP: config not reloaded, nothing changed: ${(error as Error).message}`);
        }
      });
      console.log(
        `node ${running.node.config.moniker} on chain ${running.node.genesis.chainId}: API ${running.apiUrl}${running.metricsUrl ? `, metrics ${running.metricsUrl}/metrics` : ""}`,
      );
      stopOnSignals(running.stop);
    });
}
