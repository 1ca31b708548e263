import { LedgerError } from "../errors.js";

/** An error the CLI reports as one line on stderr, exiting with `exitCode`. */
export class CliError extends LedgerError {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super("CLI_USAGE", message);
  }
}
