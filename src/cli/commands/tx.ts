import type { Command } from "commander";
import { operationCodec } from "../../app/operations/index.js";
import { OPERATION_KINDS, parseOperationInput } from "../../app/operations/input.js";
import { toHex } from "../../ledger/bytes.js";
import { encode } from "../../ledger/codec.js";
import { readJsonFile, readTextFile } from "../../node/files.js";
import { CliError, printer } from "../io.js";
import { type SignerOptions, signerOptions, submitOperation } from "../submit.js";

/**
 * `mkl tx KIND`: submits any operation of the chain, its value given as JSON (`--value` or
 * `--value-file`), checked with the operation's input schema before anything is signed.
 * Amounts are fen as decimal strings, bytes hex, user codes mkl1..., certificates PEM
 * (`--field-file certificate=alice.cert.pem` puts a file's text into a field).
 */

interface TxOptions extends SignerOptions {
  value?: string;
  valueFile?: string;
  fieldFile: string[];
  dryRun?: boolean;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`${what} is not valid JSON: ${(error as Error).message}`);
  }
}

/** The operation's JSON value from the options: --value or --value-file, plus --field-file entries. */
export function valueFromOptions(o: Pick<TxOptions, "value" | "valueFile" | "fieldFile">): unknown {
  if (o.value !== undefined && o.valueFile !== undefined)
    throw new CliError("give --value or --value-file, not both");
  const value =
    o.valueFile !== undefined
      ? readJsonFile(o.valueFile)
      : o.value !== undefined
        ? parseJson(o.value, "--value")
        : {};
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new CliError("the operation's value is a JSON object");
  }
  const fields = { ...(value as Record<string, unknown>) };
  for (const entry of o.fieldFile) {
    const match = /^([A-Za-z][A-Za-z0-9]*)=(.+)$/.exec(entry);
    if (match === null) throw new CliError(`--field-file is NAME=PATH, got "${entry}"`);
    fields[match[1]!] = readTextFile(match[2]!);
  }
  return fields;
}

export function registerTxCommand(program: Command): void {
  const cmd = program
    .command("tx")
    .description("sign and submit any operation of the chain")
    .argument("<kind>", `the operation: ${OPERATION_KINDS.join(", ")}`)
    .option("--value <json>", "the operation's value as JSON")
    .option("--value-file <file>", "the operation's value in a JSON file")
    .option(
      "--field-file <name=path>",
      "set a field to a file's text (repeatable)",
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option("--dry-run", "check the value and print the encoded operation; send nothing");
  signerOptions(cmd, false);
  cmd.addHelpText(
    "after",
    [
      "",
      "Examples:",
      `  mkl tx depositEscrow --key ent.key.pem --value '{"idempotencyKey":"dep-1","amountFen":"500000","reference":"FIN-7"}'`,
      `  mkl tx registerIdentity --key admin.key.pem --field-file certificate=alice.cert.pem`,
      `  mkl tx shipOrder --key ent.key.pem --value '{"idempotencyKey":"ship-3","orderId":"3","reason":"shipped"}'`,
      "Exit: 0 committed OK, 1 refused (by the chain or the node), 2 bad input.",
    ].join("\n"),
  );
  cmd.action(async (kind: string, o: TxOptions) => {
    const op = parseOperationInput(kind, valueFromOptions(o));
    const print = printer(cmd);
    if (o.dryRun) {
      print(`${op.kind} ${toHex(encode(operationCodec, op))}`);
      return;
    }
    if (o.key === undefined) throw new CliError("--key is required to submit (or use --dry-run)");
    await submitOperation(o, op, print);
  });
}
