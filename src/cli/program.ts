import { Command, CommanderError } from "commander";
import { LedgerError } from "../errors.js";
import { registerCertCommands } from "./commands/cert.js";
import { registerIdCommands } from "./commands/id.js";
import { registerKeyCommands } from "./commands/keys.js";
import { registerMarketingCommands } from "./commands/marketing.js";
import { registerNetworkCommands } from "./commands/network.js";
import { registerNetworkUpCommand } from "./commands/network-up.js";
import { registerNodeCommands } from "./commands/node.js";
import { registerStartCommand } from "./commands/start.js";
import { registerValidatorCommands } from "./commands/validators.js";
import { CliError } from "./io.js";

/** `mkl`: the MarketLedger command line. */
export function buildProgram(): Command {
  const program = new Command("mkl")
    .description("MarketLedger: cloud marketing on a consortium blockchain")
    .version("0.1.0");
  registerStartCommand(program);
  registerNodeCommands(program);
  registerKeyCommands(program);
  registerNetworkCommands(program);
  registerNetworkUpCommand(program);
  registerCertCommands(program);
  registerIdCommands(program);
  registerValidatorCommands(program);
  registerMarketingCommands(program);
  return program;
}

/** Runs the CLI; errors we raised on purpose become one line on stderr and an exit code. */
export async function runCli(argv: string[]): Promise<void> {
  const program = buildProgram().exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) process.exit(error.exitCode);
    if (error instanceof LedgerError) {
      console.error(`mkl: ${error.message} [${error.code}]`);
      process.exit(error instanceof CliError ? error.exitCode : 2);
    }
    throw error;
  }
}
