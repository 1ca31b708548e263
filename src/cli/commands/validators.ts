import type { Command } from "commander";
import { parseOperationInput } from "../../app/operations/input.js";
import { MarketLedgerClient } from "../../sdk/index.js";
import { CliError, printer } from "../io.js";
import { nodeOption, type SignerOptions, signerOptions, submitOperation } from "../submit.js";

/**
 * `mkl validators propose|approve|list`: changing the validator set by governance. An
 * organisation admin proposes; once admins of more than 2/3 of the member organisations have
 * approved, the change applies two heights after the approving block.
 */
/** "HEXKEY:POWER[:NAME]"; power 0 removes the validator. */
function parseChange(text: string): { name: string; publicKey: string; power: string } {
  const match = /^([0-9a-f]{64,130}):(0|[1-9][0-9]{0,18})(?::([\w.-]{1,64}))?$/.exec(text);
  if (match === null)
    throw new CliError(`bad change "${text}": expected HEXKEY:POWER[:NAME] (power 0 removes)`);
  return {
    publicKey: match[1] as string,
    power: match[2] as string,
    name: match[3] ?? "validator",
  };
}

export function registerValidatorCommands(program: Command): void {
  const validators = program
    .command("validators")
    .description("the validator set: list it, change it by governance");
  const list = nodeOption(
    validators.command("list").description("the current validators and their power"),
  ).action(async (o: { node: string }) => {
    const status = await new MarketLedgerClient(o.node).status();
    for (const v of status.validators)
      printer(list)(`${v.name.padEnd(16)} power ${v.power.padStart(6)}  ${v.publicKey}`);
  });
  const propose = signerOptions(
    validators
      .command("propose")
      .description("propose a change, as an organisation admin (counts as your organisation's approval)")
      .requiredOption("--id <id>", "a name for the proposal (lowercase letters, digits, dashes)")
      .requiredOption("--change <spec...>", "HEXKEY:POWER[:NAME], repeatable; power 0 removes"),
  ).action(async (o: SignerOptions & { id: string; change: string[] }) => {
    const op = parseOperationInput("proposeValidatorChange", {
      proposalId: o.id,
      changes: o.change.map(parseChange),
    });
    await submitOperation(o, op, printer(propose));
  });
  const approve = signerOptions(
    validators
      .command("approve")
      .description("approve a proposal, as another organisation's admin")
      .requiredOption("--id <id>", "the proposal"),
  ).action(async (o: SignerOptions & { id: string }) => {
    await submitOperation(
      o,
      parseOperationInput("approveValidatorChange", { proposalId: o.id }),
      printer(approve),
    );
  });
}
