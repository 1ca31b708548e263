import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { genesisSchema, writeGenesisState } from "../../app/genesis.js";
import {
  expiringIdentities,
  type IdentityView,
  listOrganisations,
  lookupIdentity,
} from "../../app/identity/registry.js";
import { StateOverlay } from "../../app/state.js";
import { bytesToHex, getSuite } from "../../crypto/index.js";
import { HOME_FILES, loadNodeConfig, parseWith } from "../../node/config.js";
import {
  decodeUserCode,
  normaliseUserCode,
  parseCertificate,
  readPrivateKeyFile,
  userCodeOf,
} from "../../pki/index.js";
import { ChainStore } from "../../storage/chain-store.js";
import { CliError, passphraseFrom, printer } from "../io.js";
import { readJson, readText } from "./cert.js";

/**
 * `mkl id show CODE` checks a typed user code (a typo fails its checksum) and prints what it
 * decodes to; with --home it looks the code up in that node's committed state (or, before the
 * node's first start, in the state its genesis.json creates), with --genesis in a genesis file,
 * and prints role, organisation, status, settlement account and certificate expiry (never
 * personal data: there is none on the chain).
 * `mkl id code` prints the user code of a key or certificate.
 */

function iso(ms: bigint): string {
  return new Date(Number(ms)).toISOString();
}

export function formatIdentity(view: IdentityView): string[] {
  const expiry = view.certificateNotAfterMs;
  return [
    `code ${view.code}`,
    `role ${view.role}`,
    `organisation ${view.organisation === "" ? "(consortium)" : view.organisation}`,
    `status ${view.status}`,
    `settlement account ${view.settlementAccount}`,
    `certificate ${view.certificateSerial === "" ? "(none: declared in genesis by key)" : view.certificateSerial}`,
    `certificate expires ${expiry === undefined ? "never" : new Date(Number(expiry)).toISOString()}`,
    `key version ${view.keyVersion}`,
  ];
}

function lookupInGenesis(path: string, code: string): IdentityView | undefined {
  const state = new StateOverlay({ get: () => undefined });
  writeGenesisState(state, parseWith(genesisSchema, readJson(path), path));
  return lookupIdentity(state, code);
}

/** Reads a node's committed state (LMDB allows readers beside the running node). */
async function lookupInHome(
  home: string,
  code: string,
): Promise<{ view: IdentityView | undefined; where: string }> {
  const { dataDir } = loadNodeConfig(home);
  if (!existsSync(dataDir)) {
    const path = join(home, HOME_FILES.genesis);
    return { view: lookupInGenesis(path, code), where: `${path} (the node has no data yet)` };
  }
  const store = ChainStore.open(dataDir);
  try {
    const view = lookupIdentity({ get: (key) => store.getState(key) }, code);
    return { view, where: `${dataDir} at height ${store.head() ?? "?"}` };
  } finally {
    await store.close();
  }
}

export function registerIdCommands(program: Command): void {
  const id = program.command("id").description("user codes and the identities behind them");
  const show = id
    .command("show")
    .description("check a user code and print the identity it names")
    .argument("<code>", "a user code, e.g. mkl1...")
    .option("--home <dir>", "look the code up in this node's committed state")
    .option("--genesis <file>", "look the code up in the state this genesis file creates");
  show.action(async (code: string, o: { home?: string; genesis?: string }) => {
    const print = printer(show);
    const bytes = decodeUserCode(code);
    print(`user code ${normaliseUserCode(code)} is well formed (key hash ${bytesToHex(bytes)})`);
    if (o.home === undefined && o.genesis === undefined) {
      print("to see its role, organisation and account, give --home NODE_HOME or --genesis FILE");
      return;
    }
    const { view, where } =
      o.home !== undefined
        ? await lookupInHome(o.home, code)
        : { view: lookupInGenesis(o.genesis as string, code), where: o.genesis as string };
    if (!view) throw new CliError(`no identity ${normaliseUserCode(code)} in ${where}`, 1);
    print(`found in ${where}`);
    for (const line of formatIdentity(view)) print(line);
  });
  const expiring = id
    .command("expiring")
    .description("list organisation CAs and active identities whose certificates lapse within --days")
    .requiredOption("--home <dir>", "a node's home (its committed state is read)")
    .option("--days <n>", "the warning window in days", "30");
  expiring.action(async (o: { home: string; days: string }) => {
    const print = printer(expiring);
    if (!/^[0-9]{1,5}$/.test(o.days)) throw new CliError(`--days must be a whole number, got "${o.days}"`);
    const { dataDir } = loadNodeConfig(o.home);
    if (!existsSync(dataDir)) throw new CliError(`${dataDir} does not exist: has the node started?`);
    const before = BigInt(Date.now()) + BigInt(o.days) * 86_400_000n;
    const store = ChainStore.open(dataDir);
    try {
      const state = { get: (key: Uint8Array) => store.getState(key) };
      for (const org of listOrganisations(state)) {
        if (org.caNotAfterMs < before) print(`organisation ${org.id} CA expires ${iso(org.caNotAfterMs)}`);
      }
      const soon = expiringIdentities(store.stateEntries(), before);
      for (const v of soon)
        print(`${v.code} ${v.role} of ${v.organisation} expires ${iso(v.certificateNotAfterMs!)}`);
      print(`${soon.length} identities expire within ${o.days} days`);
    } finally {
      await store.close();
    }
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
