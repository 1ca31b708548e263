import { existsSync } from "node:fs";
import type { Command } from "commander";
import { parseOperationInput } from "../../app/operations/input.js";
import { getSuite, isSuiteId } from "../../crypto/index.js";
import { readTextFile } from "../../node/files.js";
import { MarketLedgerClient, type ProposalJson, type StatusJson } from "../../sdk/index.js";
import { CliError, printer } from "../io.js";
import { nodeOption, type SignerOptions, signerOptions, submitOperation } from "../submit.js";

/**
 * `mkl gov`: governance of the validator set in an operator's words. An organisation admin
 * proposes (adding a validator, removing one, changing its power), which counts as its
 * organisation's approval; admins of other organisations approve by id; once more than 2/3 of
 * the member organisations have approved, the change applies two heights after the approving
 * block. `mkl gov list` shows what is pending and who approved.
 */

interface ProposeOptions extends SignerOptions {
  id?: string;
}
type Change = { name: string; publicKey: string; power: string };

const POWER = /^[1-9][0-9]{0,18}$/;

function powerOf(text: string): string {
  if (!POWER.test(text)) throw new CliError(`--power must be a whole number from 1, got "${text}"`);
  return text;
}

/**
 * A new validator's consensus public key: hex, or a PEM file holding the node's public key (or
 * its private key, of which only the public half is used), read with the chain's suite.
 */
function publicKeyHex(text: string, status: StatusJson): string {
  if (/^([0-9a-f]{2}){32,65}$/.test(text)) return text;
  if (!existsSync(text))
    throw new CliError(`--validator-key "${text}" is neither a hex public key nor a PEM file`);
  const pem = readTextFile(text);
  if (!isSuiteId(status.suite)) throw new CliError(`the node runs an unknown suite ${status.suite}`, 1);
  const suite = getSuite(status.suite);
  try {
    const key = pem.includes("PRIVATE KEY")
      ? suite.publicKeyOf(suite.privateKeyFromPem(pem))
      : suite.publicKeyFromPem(pem);
    return Buffer.from(key.bytes).toString("hex");
  } catch (error) {
    throw new CliError(`${text} holds no ${status.suite} key: ${(error as Error).message}`);
  }
}

/** A current validator by name or public key hex; bad input when none or several match. */
function currentValidator(status: StatusJson, which: string): StatusJson["validators"][number] {
  const matches = status.validators.filter((v) => v.name === which || v.publicKey === which);
  if (matches.length === 1) return matches[0] as StatusJson["validators"][number];
  const names = status.validators.map((v) => v.name).join(", ");
  if (matches.length === 0) throw new CliError(`no validator "${which}"; the validators are ${names}`);
  throw new CliError(`"${which}" names ${matches.length} validators; give its public key instead`);
}

/** `add-validator-node5-h120`: readable, and distinct from an earlier proposal of the same change. */
function defaultId(verb: string, name: string, height: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 24);
  return `${verb}-${slug || "validator"}-h${height}`;
}

async function propose(
  o: ProposeOptions,
  verb: string,
  change: (status: StatusJson) => Change,
  print: (line: string) => void,
): Promise<void> {
  const status = await new MarketLedgerClient(o.node).status();
  const value = change(status);
  const proposalId = o.id ?? defaultId(verb, value.name, status.height);
  const op = parseOperationInput("proposeValidatorChange", { proposalId, changes: [value] });
  const result = await submitOperation(o, op, print);
  print(`proposal ${proposalId}: ${outcome(result.events)}`);
}

/** What the approving transaction's events say: scheduled for a height, or approvals so far. */
function outcome(events: ReadonlyArray<{ type: string; attributes: Record<string, unknown> }>): string {
  const scheduled = events.find((e) => e.type === "validatorSetScheduled");
  if (scheduled !== undefined)
    return `approved by more than 2/3; applies at height ${String(scheduled.attributes.effectiveHeight)}`;
  const approved = events.find((e) => e.type === "validatorChangeApproved");
  if (approved === undefined) return "recorded";
  return `${String(approved.attributes.approvals)} of ${String(approved.attributes.members)} organisations approved`;
}

function describeChange(change: ProposalJson["changes"][number]): string {
  const key = `${change.publicKey.slice(0, 12)}…`;
  return change.power === "0"
    ? `remove ${change.name} (${key})`
    : `${change.name} (${key}) power ${change.power}`;
}

/** pending, scheduled (applies later) or applied (its height has been reached). */
function stateOf(proposal: ProposalJson, height: bigint): string {
  if (proposal.status === "pending") return "pending";
  return BigInt(proposal.effectiveHeight) > height ? `scheduled for ${proposal.effectiveHeight}` : "applied";
}

export function registerGovCommands(program: Command): void {
  const gov = program
    .command("gov")
    .description("governance of the validator set: propose, approve, list (as organisation admins)");
  const proposeCmd = gov
    .command("propose")
    .description("propose a change; counts as your organisation's approval");
  const idOption = (cmd: Command) =>
    cmd.option("--id <id>", "a name for the proposal (default: the change and the current height)");

  const add = idOption(
    signerOptions(
      proposeCmd
        .command("add-validator")
        .description(
          "add a node to the validator set (it must already follow the chain, e.g. as an observer)",
        )
        .requiredOption(
          "--validator-key <hex|file>",
          "its consensus public key: hex, or a PEM file (node.key.pem)",
        )
        .requiredOption("--name <name>", "its name in the validator set")
        .option("--power <n>", "its voting power", "10"),
    ),
  ).action((o: ProposeOptions & { validatorKey: string; name: string; power: string }) =>
    propose(
      o,
      "add-validator",
      (status) => {
        const publicKey = publicKeyHex(o.validatorKey, status);
        if (status.validators.some((v) => v.publicKey === publicKey))
          throw new CliError(`${publicKey.slice(0, 16)}… is already a validator; use set-power`);
        return { name: o.name, publicKey, power: powerOf(o.power) };
      },
      printer(add),
    ),
  );
  const remove = idOption(
    signerOptions(
      proposeCmd
        .command("remove-validator")
        .description("remove a validator from the set")
        .requiredOption("--validator <name|hex>", "the validator, by name or public key"),
    ),
  ).action((o: ProposeOptions & { validator: string }) =>
    propose(
      o,
      "remove-validator",
      (status) => {
        const current = currentValidator(status, o.validator);
        return { name: current.name, publicKey: current.publicKey, power: "0" };
      },
      printer(remove),
    ),
  );
  const setPower = idOption(
    signerOptions(
      proposeCmd
        .command("set-power")
        .description("change a validator's voting power")
        .requiredOption("--validator <name|hex>", "the validator, by name or public key")
        .requiredOption("--power <n>", "its new voting power (1 or more; remove-validator removes)"),
    ),
  ).action((o: ProposeOptions & { validator: string; power: string }) =>
    propose(
      o,
      "set-power",
      (status) => {
        const current = currentValidator(status, o.validator);
        return { name: current.name, publicKey: current.publicKey, power: powerOf(o.power) };
      },
      printer(setPower),
    ),
  );

  const approve = signerOptions(
    gov
      .command("approve")
      .description("approve a proposal, as another organisation's admin")
      .argument("<id>", "the proposal (see mkl gov list)"),
  ).action(async (id: string, o: SignerOptions) => {
    const print = printer(approve);
    const result = await submitOperation(
      o,
      parseOperationInput("approveValidatorChange", { proposalId: id }),
      print,
    );
    print(`proposal ${id}: ${outcome(result.events)}`);
  });

  const list = nodeOption(
    gov
      .command("list")
      .description("proposals with their approvals: pending and scheduled ones, or --all")
      .option("--all", "include proposals already applied")
      .option("--json", "print the node's answer as JSON"),
  ).action(async (o: { node: string; all?: boolean; json?: boolean }) => {
    const print = printer(list);
    const answer = await new MarketLedgerClient(o.node).proposals();
    const height = BigInt(answer.height);
    const shown = answer.proposals.filter((p) => o.all || stateOf(p, height) !== "applied");
    if (o.json) {
      print(JSON.stringify({ ...answer, proposals: shown }, null, 2));
      return;
    }
    print(
      `height ${answer.height}: ${answer.members} member organisations, a change needs ${answer.approvalsNeeded} approvals`,
    );
    if (shown.length === 0) print(o.all ? "no proposals" : "no pending proposals (--all lists applied ones)");
    for (const p of shown) {
      print(
        `${p.id}  ${stateOf(p, height)}  approvals ${p.approvals.length}/${answer.approvalsNeeded} (${p.approvals.join(", ")})  proposed at ${p.proposedHeight}`,
      );
      for (const change of p.changes) print(`  ${describeChange(change)}`);
    }
  });
  gov.addHelpText(
    "after",
    [
      "",
      "Examples:",
      "  mkl gov propose add-validator --key orgs/org1/admin.key.pem --validator-key node5/node.key.pem --name node5",
      "  mkl gov approve add-validator-node5-h120 --key orgs/org2/admin.key.pem",
      "  mkl gov propose set-power --key orgs/org1/admin.key.pem --validator node2 --power 20",
      "  mkl gov propose remove-validator --key orgs/org1/admin.key.pem --validator node5",
      "  mkl gov list",
      "Exit: 0 committed OK, 1 refused (by the chain or the node), 2 bad input.",
    ].join("\n"),
  );
}
