import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
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

/** Writes a secret (a private key) readable by its owner only. */
export function writeSecretFile(path: string, contents: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, contents, { mode: 0o600 });
  chmodSync(path, 0o600);
}

export function writeJson(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}
