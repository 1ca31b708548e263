import { existsSync } from "node:fs";
import { join } from "node:path";
import { addressOf } from "../app/address.js";
import { type GenesisJson, PROTOCOL_VERSION } from "../app/genesis.js";
import { getSuite } from "../crypto/index.js";
import type { KeyPair, SuiteId } from "../crypto/suite.js";
import { toHex } from "../ledger/bytes.js";
import { ConfigError, HOME_FILES } from "./config.js";
import { writeJsonFile, writeSecretFile } from "./files.js";

export interface SoloHomeOptions {
  readonly suite: SuiteId;
  readonly chainId: string;
  readonly apiPort: number;
  /** Accounts funded at genesis, by key (their private keys are written under HOME/accounts/). */
  readonly fundedAccounts: ReadonlyArray<{ readonly name: string; readonly balanceFen: bigint }>;
  readonly genesisTimeMs: bigint;
}

/** Creates a single-validator node home: key, genesis, config, and keys of funded accounts. */
export function initSoloHome(
  home: string,
  options: SoloHomeOptions,
): { validator: KeyPair; accounts: Map<string, KeyPair> } {
  if (existsSync(join(home, HOME_FILES.genesis)))
    throw new ConfigError("HOME_EXISTS", `${home} already holds a node (genesis.json exists)`, { home });
  const suite = getSuite(options.suite);
  const validator = suite.generateKeyPair();
  writeSecretFile(join(home, HOME_FILES.nodeKey), suite.privateKeyToPem(validator.privateKey));
  const accounts = new Map<string, KeyPair>();
  for (const account of options.fundedAccounts) {
    const key = suite.generateKeyPair();
    accounts.set(account.name, key);
    writeSecretFile(join(home, "accounts", `${account.name}.key.pem`), suite.privateKeyToPem(key.privateKey));
  }
  const genesis: GenesisJson = {
    chainId: options.chainId,
    suite: options.suite,
    protocolVersion: PROTOCOL_VERSION,
    genesisTimeMs: options.genesisTimeMs.toString(),
    validators: [{ name: "validator-0", publicKey: toHex(validator.publicKey.bytes), power: "10" }],
    accounts: options.fundedAccounts.map((a) => ({
      address: toHex(addressOf(suite.hash, (accounts.get(a.name) as KeyPair).publicKey.bytes)),
      balanceFen: a.balanceFen.toString(),
    })),
    // Every signer must be an identity on the chain: the funded accounts are genesis buyers.
    identities: options.fundedAccounts.map((a) => ({
      role: "buyer" as const,
      publicKey: toHex((accounts.get(a.name) as KeyPair).publicKey.bytes),
    })),
  };
  writeJsonFile(join(home, HOME_FILES.genesis), genesis);
  writeJsonFile(join(home, HOME_FILES.config), {
    moniker: "validator-0",
    api: { host: "127.0.0.1", port: options.apiPort },
  });
  return { validator, accounts };
}
