import { readFileSync } from "node:fs";
import type { Command } from "commander";
import type { Operation } from "../../app/operations/index.js";
import { detectPemSuite, getSuite } from "../../crypto/index.js";
import type { KeyPair } from "../../crypto/suite.js";
import { fromHex } from "../../ledger/bytes.js";
import { addressOfKey, buildSignedTx, MarketLedgerClient } from "../../sdk/index.js";
import { CliError } from "../io.js";

/**
 * `mkl validators propose|approve|list`: changing the validator set by governance. An
 * organisation admin proposes; once admins of more than 2/3 of the member organisations have
 * approved, the change applies two heights after the approving block.
 */
function loadKey(path: string): KeyPair {
  const pem = readFileSync(path, "utf8");
  const suite = getSuite(detectPemSuite(pem));
  const privateKey = suite.privateKeyFromPem(pem);
  return { privateKey, publicKey: suite.publicKeyOf(privateKey) };
}

/** "HEXKEY:POWER[:NAME]"; power 0 removes the validator. */
function parseChange(text: string): { name: string; publicKey: Uint8Array; power: bigint } {
  const match = /^([0-9a-f]{64,130}):(0|[1-9][0-9]{0,18})(?::([\w.-]{1,64}))?$/.exec(text);
  if (match === null)
    throw new CliError(`bad change "${text}": expected HEXKEY:POWER[:NAME] (power 0 removes)`);
  return {
    publicKey: fromHex(match[1] as string),
    power: BigInt(match[2] as string),
    name: match[3] ?? "validator",
  };
}

async function send(node: string, keyPath: string, op: Operation): Promise<void> {
  const key = loadKey(keyPath);
  const client = new MarketLedgerClient(node);
  const status = await client.status();
  const suite = getSuite(key.privateKey.suite);
  if (status.suite !== suite.id)
    throw new CliError(`the key is ${suite.id} but the chain uses ${status.suite}`);
  const { nonce } = await client.account(addressOfKey(suite, key.publicKey.bytes));
  const tx = buildSignedTx(
    suite,
    key,
    { chainId: status.chainId, nonce, expiryHeight: BigInt(status.height) + 100n },
    op,
  );
  const committed = await client.waitForTx(await client.submitTx(tx.bytes));
  const events = committed.result.events.map((e) => `${e.type} ${JSON.stringify(e.attributes)}`);
  console.log(`${committed.result.message} at height ${committed.height}`);
  for (const line of events) console.log(`  ${line}`);
  if (committed.result.code !== "OK") process.exitCode = 1;
}

export function registerValidatorCommands(program: Command): void {
  const validators = program
    .command("validators")
    .description("the validator set: list it, change it by governance");
  validators
    .command("list")
    .description("the current validators and their power")
    .requiredOption("--node <url>", "a node's API URL")
    .action(async (o: { node: string }) => {
      const status = await new MarketLedgerClient(o.node).status();
      for (const v of status.validators)
        console.log(`${v.name.padEnd(16)} power ${v.power.padStart(6)}  ${v.publicKey}`);
    });
  validators
    .command("propose")
    .description("propose a change, as an organisation admin (counts as your organisation's approval)")
    .requiredOption("--node <url>", "a node's API URL")
    .requiredOption("--key <file>", "the organisation admin's private key (PEM)")
    .requiredOption("--id <id>", "a name for the proposal (lowercase letters, digits, dashes)")
    .requiredOption("--change <spec...>", "HEXKEY:POWER[:NAME], repeatable; power 0 removes")
    .action((o: { node: string; key: string; id: string; change: string[] }) =>
      send(o.node, o.key, {
        kind: "proposeValidatorChange",
        value: { proposalId: o.id, changes: o.change.map(parseChange) },
      }),
    );
  validators
    .command("approve")
    .description("approve a proposal, as another organisation's admin")
    .requiredOption("--node <url>", "a node's API URL")
    .requiredOption("--key <file>", "the organisation admin's private key (PEM)")
    .requiredOption("--id <id>", "the proposal")
    .action((o: { node: string; key: string; id: string }) =>
      send(o.node, o.key, { kind: "approveValidatorChange", value: { proposalId: o.id } }),
    );
}
