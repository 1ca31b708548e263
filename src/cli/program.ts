import { Command, CommanderError, type OutputConfiguration } from "commander";
import { LedgerError } from "../errors.js";
import { SdkError } from "../sdk/client.js";
import { registerCertCommands } from "./commands/cert.js";
import { registerConnectorCommands } from "./commands/connector.js";
import { registerGovCommands } from "./commands/gov.js";
import { registerIdCommands } from "./commands/id.js";
import { registerIndexerCommand } from "./commands/indexer.js";
import { registerKeyCommands } from "./commands/keys.js";
import { registerMarketingCommands } from "./commands/marketing.js";
import { registerNetworkCommands } from "./commands/network.js";
import { registerNetworkUpCommand } from "./commands/network-up.js";
import { registerNodeCommands } from "./commands/node.js";
import { registerOpsCommands } from "./commands/ops.js";
import { registerStartCommand } from "./commands/start.js";
import { registerTxCommand } from "./commands/tx.js";
import { registerValidatorCommands } from "./commands/validators.js";
import { registerWebhookCommands } from "./commands/webhooks.js";
import { CliError, EXIT_BAD_INPUT, EXIT_REFUSED } from "./io.js";

/** `mkl`: the MarketLedger command line. */
export function buildProgram(output?: OutputConfiguration): Command {
  const program = new Command("mkl")
    .description("MarketLedger: cloud marketing on a consortium blockchain")
    .version("0.1.0");
  // Before the commands are added, so that every command inherits them (tests capture output).
  program.exitOverride();
  if (output) program.configureOutput(output);
  registerStartCommand(program);
  registerNodeCommands(program);
  registerKeyCommands(program);
  registerNetworkCommands(program);
  registerNetworkUpCommand(program);
  registerCertCommands(program);
  registerIdCommands(program);
  registerValidatorCommands(program);
  registerGovCommands(program);
  registerMarketingCommands(program);
  registerTxCommand(program);
  registerWebhookCommands(program);
  registerConnectorCommands(program);
  registerIndexerCommand(program);
  registerOpsCommands(program);
  return program;
}

/** 1 when the chain, a node or a service refused; 2 for bad input (files, flags, values). */
export function exitCodeOf(error: LedgerError): number {
  if (error instanceof CliError) return error.exitCode;
  if (error instanceof SdkError) return EXIT_REFUSED;
  return EXIT_BAD_INPUT;
}

/** Runs the CLI; errors we raised on purpose become one line on stderr and an exit code. */
export async function runCli(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) process.exit(error.exitCode);
    if (error instanceof LedgerError) {
      console.error(`mkl: ${error.message} [${error.code}]`);
      process.exit(exitCodeOf(error));
    }
    throw error;
  }
}
