import type { Command } from "commander";
import { startIndexer } from "../../integrations/indexer/indexer.js";
import { printer } from "../io.js";
import { nodeOption } from "../submit.js";
import { stopOnSignals } from "./node.js";

/** `mkl indexer --pg URL`: the chain's business data as PostgreSQL tables, kept current. */
export function registerIndexerCommand(program: Command): void {
  const cmd = nodeOption(
    program
      .command("indexer")
      .description(
        "index blocks, transactions, orders, commissions, settlements, withdrawals and anomalies into PostgreSQL",
      )
      .requiredOption("--pg <url>", "the database (postgres://user@host:port/db)")
      .option("--rebuild", "drop the indexer's tables and re-create them from the chain"),
  ).action(async (o: { node: string; pg: string; rebuild?: boolean }) => {
    const indexer = await startIndexer({
      nodeUrl: o.node,
      pgUrl: o.pg,
      rebuild: o.rebuild ?? false,
      log: (line) => console.error(line),
    });
    printer(cmd)(`indexing ${o.node} into PostgreSQL${o.rebuild ? " (rebuilt from block 0)" : ""}`);
    stopOnSignals(() => indexer.stop());
  });
}
