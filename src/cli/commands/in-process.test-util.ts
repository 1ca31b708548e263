import { Command } from "commander";
import { LedgerError } from "../../errors.js";

/** Runs `mkl ...args` in this process with the given command groups; its output, or the LedgerError it raised. */
export async function runMkl(
  register: ReadonlyArray<(program: Command) => void>,
  args: string[],
): Promise<{ out: string; error?: LedgerError }> {
  let out = "";
  const program = new Command("mkl").exitOverride().configureOutput({
    writeOut: (s) => {
      out += s;
    },
  });
  for (const add of register) add(program);
  try {
    await program.parseAsync(args, { from: "user" });
    return { out };
  } catch (error) {
    if (error instanceof LedgerError) return { out, error };
    throw error;
  }
}
