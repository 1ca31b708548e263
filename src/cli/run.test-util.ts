import { CommanderError } from "commander";
import { LedgerError } from "../errors.js";
import { buildProgram, exitCodeOf } from "./program.js";

/** `mkl ARGS` in this process, its output captured: the exit code and what it printed, as main.ts would. */
export async function runCliCaptured(...args: string[]): Promise<{ exit: number; out: string }> {
  const out: string[] = [];
  const program = buildProgram({ writeOut: (s) => out.push(s), writeErr: (s) => out.push(s) });
  try {
    await program.parseAsync(["node", "mkl", ...args]);
    return { exit: 0, out: out.join("") };
  } catch (error) {
    if (error instanceof CommanderError) return { exit: error.exitCode, out: out.join("") };
    if (error instanceof LedgerError) {
      return { exit: exitCodeOf(error), out: `${out.join("")}mkl: ${error.message} [${error.code}]` };
    }
    throw error;
  }
}
