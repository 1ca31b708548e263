import { resolve } from "node:path";
import type { Command } from "commander";
import { startNetwork } from "../../ops/network-up.js";
import { stopOnSignals } from "./node.js";

/**
 * `mkl network up --home DIR`: every node of a generated network as its own process on this
 * machine. On several machines, run `mkl node start --home DIR/nodeN` on each instead.
 */
export function registerNetworkUpCommand(program: Command): void {
  const network = program.commands.find((c) => c.name() === "network") ?? program.command("network");
  network
    .command("up")
    .description("start every node of a network made by `mkl network init`, each in its own process")
    .requiredOption("--home <dir>", "the network directory")
    .action(async (opts: { home: string }) => {
      const running = startNetwork(resolve(opts.home), (line) => console.log(line));
      const urls = await Promise.all(
        running.nodes.map(async (n) => `  ${n.name}  ${await n.apiUrl}/v1/status`),
      );
      console.log(["", "network is up:", ...urls, "Ctrl-C stops every node", ""].join("\n"));
      stopOnSignals(running.stop);
    });
}
