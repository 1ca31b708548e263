import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { addressOf } from "../../app/address.js";
import type { GenesisJson } from "../../app/genesis.js";
import { getSuite, isSuiteId } from "../../crypto/index.js";
import type { KeyPair, SuiteId } from "../../crypto/suite.js";
import { toHex } from "../../ledger/bytes.js";
import { buildApi } from "../../node/api/server.js";
import { HOME_FILES } from "../../node/config.js";
import { LedgerNode } from "../../node/node.js";
import { CliError, writeJson, writeSecretFile } from "../io.js";

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
    throw new CliError(`${home} already holds a node (genesis.json exists)`);
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
    genesisTimeMs: options.genesisTimeMs.toString(),
    validators: [{ name: "validator-0", publicKey: toHex(validator.publicKey.bytes), power: "10" }],
    accounts: options.fundedAccounts.map((a) => ({
      address: toHex(addressOf(suite.hash, (accounts.get(a.name) as KeyPair).publicKey.bytes)),
      balanceFen: a.balanceFen.toString(),
    })),
  };
  writeJson(join(home, HOME_FILES.genesis), genesis);
  writeJson(join(home, HOME_FILES.config), {
    moniker: "validator-0",
    api: { host: "127.0.0.1", port: options.apiPort },
  });
  return { validator, accounts };
}

export interface RunningNode {
  readonly node: LedgerNode;
  readonly apiUrl: string;
  stop(): Promise<void>;
}

/** Opens a node home, starts block production and the API; stop() shuts both down cleanly. */
export async function runNode(home: string): Promise<RunningNode> {
  const node = LedgerNode.open(home);
  const api = await buildApi(node);
  const address = await api.listen({ host: node.config.api.host, port: node.config.api.port });
  node.start();
  let stopping: Promise<void> | undefined;
  return {
    node,
    apiUrl: address,
    stop: () => {
      stopping ??= (async () => {
        await api.close();
        await node.stop();
      })();
      return stopping;
    },
  };
}

/** Stops `stop` on SIGINT/SIGTERM, once. */
export function stopOnSignals(stop: () => Promise<void>): void {
  const handler = (signal: string) => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
    console.log(`\n${signal}: stopping…`);
    stop().then(
      () => process.exit(0),
      (error) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
}

function parseSuite(value: string): SuiteId {
  if (!isSuiteId(value))
    throw new CliError(`unknown suite "${value}": use sm, ecdsa-p256, ecdsa-secp256k1 or ed25519`);
  return value;
}

export function registerNodeCommands(program: Command): void {
  const node = program.command("node").description("run and set up a node");
  node
    .command("init")
    .description("create a single-validator node home (key, genesis.json, config.json)")
    .requiredOption("--home <dir>", "the node's home directory")
    .option("--suite <suite>", "crypto suite of the chain: sm | ecdsa-p256 | ecdsa-secp256k1 | ed25519", "sm")
    .option("--chain-id <id>", "chain id", "marketledger-dev")
    .option("--api-port <port>", "API port", "26650")
    .action((opts: { home: string; suite: string; chainId: string; apiPort: string }) => {
      const home = resolve(opts.home);
      const { validator } = initSoloHome(home, {
        suite: parseSuite(opts.suite),
        chainId: opts.chainId,
        apiPort: Number(opts.apiPort),
        fundedAccounts: [{ name: "treasury", balanceFen: 100_000_000_00n }],
        genesisTimeMs: BigInt(Date.now()),
      });
      console.log(`node home created in ${home}`);
      console.log(`validator public key ${toHex(validator.publicKey.bytes)}`);
      console.log(`treasury key: ${join(home, "accounts", "treasury.key.pem")}`);
    });
  node
    .command("start")
    .description("start a node from its home directory")
    .requiredOption("--home <dir>", "the node's home directory")
    .action(async (opts: { home: string }) => {
      const running = await runNode(resolve(opts.home));
      console.log(
        `node ${running.node.config.moniker} on chain ${running.node.genesis.chainId}: API ${running.apiUrl}`,
      );
      stopOnSignals(running.stop);
    });
}
