import type { Command } from "commander";
import { genesisSchema, writeGenesisState } from "../../app/genesis.js";
import { lookupIdentity } from "../../app/identity/registry.js";
import { StateOverlay } from "../../app/state.js";
import { systemClock } from "../../clock.js";
import { bytesToHex, getSuite } from "../../crypto/index.js";
import { parseWith } from "../../node/config.js";
import {
  decodeUserCode,
  normaliseUserCode,
  parseCertificate,
  readPrivateKeyFile,
  userCodeOf,
} from "../../pki/index.js";
import { type IdentityJson, MarketLedgerClient } from "../../sdk/index.js";
import { CliError, EXIT_REFUSED, passphraseFrom, printer } from "../io.js";
import { nodeOption } from "../submit.js";
import { readJson, readText } from "./cert.js";

/**
 * `mkl id show CODE` checks a typed user code (a typo fails its checksum) and prints what it
 * decodes to; with --node it asks that node's API for the identity, with --genesis it looks in
 * the state a genesis file creates (before any node runs), and prints role, organisation,
 * status, settlement account and certificate expiry (never personal data: there is none on the
 * chain). `mkl id expiring --node URL` lists the certificates about to lapse.
 * `mkl id code` prints the user code of a key or certificate.
 */

function iso(ms: bigint | string): string {
  return new Date(Number(ms)).toISOString();
}

/** An identity as both sources give it: the node's JSON, or a genesis lookup turned into it. */
type ShownIdentity = Pick<
  IdentityJson,
  "code" | "role" | "organisation" | "status" | "settlementAccount" | "certificateSerial" | "keyVersion"
> & { certificateNotAfterMs: string | null };

export function formatIdentity(view: ShownIdentity): string[] {
  const expiry = view.certificateNotAfterMs;
  return [
    `code ${view.code}`,
    `role ${view.role}`,
    `organisation ${view.organisation === "" ? "(consortium)" : view.organisation}`,
    `status ${view.status}`,
    `settlement account ${view.settlementAccount}`,
    `certificate ${view.certificateSerial === "" ? "(none: declared in genesis by key)" : view.certificateSerial}`,
    `certificate expires ${expiry === null ? "never" : iso(expiry)}`,
    `key version ${view.keyVersion}`,
  ];
}

function lookupInGenesis(path: string, code: string): ShownIdentity | undefined {
  const state = new StateOverlay({ get: () => undefined });
  writeGenesisState(state, parseWith(genesisSchema, readJson(path), path));
  const view = lookupIdentity(state, code);
  return view && { ...view, certificateNotAfterMs: view.certificateNotAfterMs?.toString() ?? null };
}

export function registerIdCommands(program: Command): void {
  const id = program.command("id").description("user codes and the identities behind them");
  const show = id
    .command("show")
    .description("check a user code and print the identity it names")
    .argument("<code>", "a user code, e.g. mkl1...")
    .option("--node <url>", "look the code up on this node (its API URL)")
    .option("--genesis <file>", "look the code up in the state this genesis file creates");
  show.action(async (code: string, o: { node?: string; genesis?: string }) => {
    const print = printer(show);
    const bytes = decodeUserCode(code);
    print(`user code ${normaliseUserCode(code)} is well formed (key hash ${bytesToHex(bytes)})`);
    if (o.node === undefined && o.genesis === undefined) {
      print("to see its role, organisation and account, give --node URL or --genesis FILE");
      return;
    }
    const onNode =
      o.node !== undefined
        ? await new MarketLedgerClient(o.node).identity(normaliseUserCode(code))
        : undefined;
    const found = o.node !== undefined ? onNode : lookupInGenesis(o.genesis as string, code);
    const where = o.node !== undefined ? `node ${o.node}` : (o.genesis as string);
    if (!found) throw new CliError(`no identity ${normaliseUserCode(code)} in ${where}`, EXIT_REFUSED);
    print(`found in ${where}${onNode ? ` at height ${onNode.height}` : ""}`);
    for (const line of formatIdentity(found)) print(line);
  });
  const expiring = nodeOption(
    id
      .command("expiring")
      .description("list organisation CAs and active identities whose certificates lapse within --days")
      .option("--days <n>", "the warning window in days", "30"),
  );
  expiring.action(async (o: { node: string; days: string }) => {
    const print = printer(expiring);
    if (!/^[0-9]{1,5}$/.test(o.days)) throw new CliError(`--days must be a whole number, got "${o.days}"`);
    const before = BigInt(systemClock.now()) + BigInt(o.days) * 86_400_000n;
    const answer = await new MarketLedgerClient(o.node).expiringCertificates(before);
    for (const org of answer.organisations)
      print(`organisation ${org.id} CA expires ${iso(org.caNotAfterMs)}`);
    for (const v of answer.identities)
      print(`${v.code} ${v.role} of ${v.organisation} expires ${iso(v.certificateNotAfterMs ?? "0")}`);
    print(`${answer.identities.length} identities expire within ${o.days} days (height ${answer.height})`);
  });
  const codeCmd = id
    .command("code")
    .description("print the user code of a key file or a certificate")
    .option("--key <file>", "a private key file")
    .option("--cert <file>", "a certificate (its CN is the code; it is checked against its key)")
    .option("--passphrase-env <var>", "the key's passphrase is in this environment variable");
  codeCmd.action((o: { key?: string; cert?: string; passphraseEnv?: string }) => {
    const print = printer(codeCmd);
    if ((o.key === undefined) === (o.cert === undefined))
      throw new CliError("give --key or --cert (one of them)");
    if (o.key !== undefined) {
      const key = readPrivateKeyFile(readText(o.key), passphraseFrom(o.passphraseEnv));
      const suite = getSuite(key.suite);
      print(userCodeOf(suite.hash, suite.publicKeyOf(key).bytes));
      return;
    }
    const cert = parseCertificate(readText(o.cert as string));
    const own = userCodeOf(getSuite(cert.publicKey.suite).hash, cert.publicKey.bytes);
    print(cert.subject.commonName);
    if (cert.subject.commonName !== own) print(`(a rotated key: this key's own code would be ${own})`);
  });
}
