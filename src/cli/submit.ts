import type { Command } from "commander";
import type { Operation } from "../app/operations/index.js";
import { idempotencyKeyField } from "../app/operations/input.js";
import { getSuite } from "../crypto/index.js";
import { readKeyPairFile } from "../node/key-files.js";
import { MarketLedgerClient, type ResultJson, TxSender } from "../sdk/index.js";
import { CliError, EXIT_REFUSED, passphraseFrom } from "./io.js";

/** The API of `npm start`'s first node: every command's `--node` unless told otherwise. */
export const DEFAULT_NODE_URL = "http://127.0.0.1:26651";

/** Adds `--node URL`, the one name every command uses for the node it talks to. */
export function nodeOption(cmd: Command): Command {
  return cmd.option("--node <url>", "a node's API URL", DEFAULT_NODE_URL);
}

/** Adds the signer's options: `--key FILE` and `--passphrase-env VAR`. */
export function signerOptions(cmd: Command, required = true): Command {
  const key = "--key <file>";
  const description = "the signing identity's private key (PEM)";
  (required ? cmd.requiredOption(key, description) : cmd.option(key, description)).option(
    "--passphrase-env <var>",
    "the key's passphrase is in this environment variable",
  );
  return nodeOption(cmd);
}

export interface SignerOptions {
  node: string;
  key: string;
  passphraseEnv?: string;
}

/** The signer's key and a sender to the chain its node serves (the key's suite must be the chain's). */
export async function connectSigner(o: SignerOptions) {
  const key = readKeyPairFile(o.key, passphraseFrom(o.passphraseEnv));
  const sender = await TxSender.connect(new MarketLedgerClient(o.node), getSuite(key.privateKey.suite));
  return { key, sender };
}

/** The --idempotency-key of a business transaction, checked with the chain's schema. */
export function idempotencyKeyOf(value: string | undefined): string {
  const parsed = idempotencyKeyField.safeParse(value);
  if (!parsed.success)
    throw new CliError(`--idempotency-key is required: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/** The result (its code and details, as the node describes them), then one line per event. */
export function describeResult(result: ResultJson & { hash: string; height: string }): string[] {
  return [
    `${result.message || result.code} at height ${result.height}, tx ${result.hash}`,
    ...result.events.map((e) => `  ${e.type} ${JSON.stringify(e.attributes)}`),
  ];
}

/**
 * Signs, submits and waits for `op`; prints the result. A result other than OK is a refusal
 * (exit 1) carrying the chain's code; an error the node answers with is one too (see program.ts).
 */
export async function submitOperation(
  o: SignerOptions,
  op: Operation,
  print: (line: string) => void,
): Promise<ResultJson & { hash: string; height: string }> {
  const { key, sender } = await connectSigner(o);
  const result = await sender.send(key, op);
  for (const line of describeResult(result)) print(line);
  if (result.code !== "OK") {
    throw new CliError(
      `the chain refused ${op.kind}: ${result.message || result.code}`,
      EXIT_REFUSED,
      result.code,
    );
  }
  return result;
}
