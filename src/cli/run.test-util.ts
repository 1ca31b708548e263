import { CommanderError } from "commander";
import { LedgerError } from "../errors.js";
import { buildProgram, exitCodeOf } from "./program.js";

/** What `mkl ARGS` did in this process: its exit code, what it printed, and the error it raised. */
export interface CliRun {
  readonly exit: number;
  /** Stdout and stderr as main.ts would leave them, ending with `mkl: message [CODE]` on an error. */
  readonly out: string;
  readonly error?: LedgerError;
}

/** `mkl ARGS` in this process (the whole program, as main.ts builds it), its output captured. */
export async function runCliCaptured(...args: string[]): Promise<CliRun> {
  const out: string[] = [];
  const program = buildProgram({ writeOut: (s) => out.push(s), writeErr: (s) => out.push(s) });
  try {
    await program.parseAsync(["node", "mkl", ...args]);
    return { exit: 0, out: out.join("") };
  } catch (error) {
    if (error instanceof CommanderError) return { exit: error.exitCode, out: out.join("") };
    if (error instanceof LedgerError) {
      return { exit: exitCodeOf(error), out: `${out.join("")}mkl: ${error.message} [${error.code}]`, error };
    }
    throw error;
  }
}
