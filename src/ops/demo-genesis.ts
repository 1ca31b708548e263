import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { addressOf } from "../app/address.js";
import { getSuite, isSuiteId } from "../crypto/index.js";
import type { KeyPair } from "../crypto/suite.js";
import { LedgerError } from "../errors.js";
import { toHex } from "../ledger/bytes.js";
import { readJsonFile, writeJsonFile } from "../node/files.js";
import type { Role } from "../pki/roles.js";
import { nodeHomes } from "./network-up.js";

export interface DemoParty {
  readonly name: string;
  readonly role: Role;
  readonly organisation?: string;
  readonly balanceFen: bigint;
}

/** Who lives on a fresh local network: an enterprise, its employee, an outside marketer, a buyer. */
export const DEMO_PARTIES: readonly DemoParty[] = [
  { name: "enterprise-a", role: "enterprise", organisation: "org1", balanceFen: 50_000_000n },
  { name: "marketer-li", role: "employee-marketer", organisation: "org1", balanceFen: 1_000_000n },
  { name: "marketer-wang", role: "outside-marketer", balanceFen: 1_000_000n },
  { name: "buyer-zhao", role: "buyer", balanceFen: 5_000_000n },
];

/**
 * The demo's payment service: an enterprise identity of org2 (a payment company) whose key the
 * nodes' SIMULATED payment provider holds (`paymentSimulator` in their config), never a browser.
 */
export const DEMO_PAYMENT_SERVICE: DemoParty = {
  name: "payment-sim",
  role: "enterprise",
  organisation: "org2",
  balanceFen: 0n,
};

/** Where seedDemoGenesis wrote a party's key. */
export const demoKeyPath = (networkDir: string, name: string) => join(networkDir, "demo", `${name}.key.pem`);

/**
 * Gives every node of a demo network the payment simulator, holding DEMO_PAYMENT_SERVICE's key
 * (demo and tests only). Several nodes sign as one identity: two payments at the same moment
 * through two nodes can draw one nonce; the one the chain drops is signed again with a fresh
 * nonce (PaymentSimulator.settle).
 */
export function configurePaymentSimulator(networkDir: string): void {
  const keyFile = demoKeyPath(networkDir, DEMO_PAYMENT_SERVICE.name);
  for (const home of nodeHomes(networkDir)) {
    const path = join(home, "config.json");
    writeJsonFile(path, {
      ...(readJsonFile(path) as Record<string, unknown>),
      paymentSimulator: { keyFile },
    });
  }
}

/**
 * Adds demo identities with funded accounts to a generated network's genesis (before its first
 * start) and writes their keys to DIR/demo/NAME.key.pem. Every node's copy is updated too.
 */
export function seedDemoGenesis(
  networkDir: string,
  parties: readonly DemoParty[] = DEMO_PARTIES,
): Map<string, KeyPair> {
  const path = join(networkDir, "genesis.json");
  const genesis = JSON.parse(readFileSync(path, "utf8")) as {
    suite: string;
    accounts?: unknown[];
    identities?: unknown[];
  };
  if (!isSuiteId(genesis.suite)) throw new LedgerError("GENESIS_INVALID", `unknown suite ${genesis.suite}`);
  const suite = getSuite(genesis.suite);
  const keys = new Map<string, KeyPair>();
  mkdirSync(join(networkDir, "demo"), { recursive: true });
  for (const party of parties) {
    const key = suite.generateKeyPair();
    keys.set(party.name, key);
    writeFileSync(demoKeyPath(networkDir, party.name), suite.privateKeyToPem(key.privateKey), {
      mode: 0o600,
    });
  }
  genesis.identities = [
    ...(genesis.identities ?? []),
    ...parties.map((p) => ({
      role: p.role,
      ...(p.organisation === undefined ? {} : { organisation: p.organisation }),
      publicKey: toHex((keys.get(p.name) as KeyPair).publicKey.bytes),
    })),
  ];
  genesis.accounts = [
    ...(genesis.accounts ?? []),
    ...parties.map((p) => ({
      address: toHex(addressOf(suite.hash, (keys.get(p.name) as KeyPair).publicKey.bytes)),
      balanceFen: p.balanceFen.toString(),
    })),
  ];
  const text = `${JSON.stringify(genesis, null, 2)}\n`;
  writeFileSync(path, text);
  for (const home of nodeHomes(networkDir)) writeFileSync(join(home, "genesis.json"), text);
  return keys;
}

/** The demo keys written by seedDemoGenesis, by name. */
export function loadDemoKeys(networkDir: string, parties: readonly DemoParty[] = DEMO_PARTIES): KeyPair[] {
  const genesis = JSON.parse(readFileSync(join(networkDir, "genesis.json"), "utf8")) as { suite: string };
  if (!isSuiteId(genesis.suite)) throw new LedgerError("GENESIS_INVALID", `unknown suite ${genesis.suite}`);
  const suite = getSuite(genesis.suite);
  return parties.map((p) => {
    const privateKey = suite.privateKeyFromPem(readFileSync(demoKeyPath(networkDir, p.name), "utf8"));
    return { privateKey, publicKey: suite.publicKeyOf(privateKey) };
  });
}
