import type { Command } from "commander";
import { MarketLedgerClient } from "../../sdk/index.js";
import { printer } from "../io.js";
import { nodeOption } from "../submit.js";

/** `mkl validators list`: the current validator set. Changing it is `mkl gov` (gov.ts). */
export function registerValidatorCommands(program: Command): void {
  const validators = program.command("validators").description("the validator set (change it with mkl gov)");
  const list = nodeOption(
    validators.command("list").description("the current validators and their power"),
  ).action(async (o: { node: string }) => {
    const status = await new MarketLedgerClient(o.node).status();
    for (const v of status.validators)
      printer(list)(`${v.name.padEnd(16)} power ${v.power.padStart(6)}  ${v.publicKey}`);
  });
}
