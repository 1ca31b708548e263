import type { Command } from "commander";
import { LedgerError } from "../errors.js";

/** An error the CLI reports as one line on stderr, exiting with `exitCode`. */
export class CliError extends LedgerError {
  constructor(
    message: string,
    readonly exitCode = 2,
    code = "CLI_USAGE",
  ) {
    super(code, message);
  }
}

/** Exit codes of every command: done, refused (by the chain, the node or a service), bad input. */
export const EXIT_OK = 0;
export const EXIT_REFUSED = 1;
export const EXIT_BAD_INPUT = 2;

/** Where to print: the command's configured output (tests capture it), else stdout. */
export function printer(cmd: Command): (line: string) => void {
  const out = cmd.configureOutput();
  return (line) => (out.writeOut ?? ((s: string) => process.stdout.write(s)))(`${line}\n`);
}

/** The passphrase from the environment variable named by --passphrase-env, if any. */
export function passphraseFrom(envName: string | undefined): string | undefined {
  if (envName === undefined) return undefined;
  const value = process.env[envName];
  if (value === undefined || value === "") throw new CliError(`environment variable ${envName} is empty`);
  return value;
}
