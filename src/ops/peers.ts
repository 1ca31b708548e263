import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { getSuite, isSuiteId } from "../crypto/index.js";
import { LedgerError } from "../errors.js";
import { toHex } from "../ledger/bytes.js";
import { nodeHomes } from "./network-up.js";

interface NodeEntry {
  readonly home: string;
  readonly config: Record<string, unknown> & { p2p?: { host: string; port: number } };
  readonly id: string;
}

/**
 * Writes into every node's config.json the list of the other nodes of the network (id = hex
 * of the consensus public key, host and port of its p2p listener): the allowlist each node's
 * transport dials and accepts. Safe to run again after nodes are added or moved.
 */
export function wirePeers(networkDir: string, overrides: { p2pPorts?: readonly number[] } = {}): void {
  const genesis = JSON.parse(readFileSync(join(networkDir, "genesis.json"), "utf8")) as { suite: string };
  if (!isSuiteId(genesis.suite)) throw new LedgerError("GENESIS_INVALID", `unknown suite ${genesis.suite}`);
  const suite = getSuite(genesis.suite);
  const entries: NodeEntry[] = nodeHomes(networkDir).map((home, index) => {
    const config = JSON.parse(readFileSync(join(home, "config.json"), "utf8")) as NodeEntry["config"];
    const port = overrides.p2pPorts?.[index];
    if (port !== undefined) config.p2p = { host: config.p2p?.host ?? "127.0.0.1", port };
    if (config.p2p === undefined)
      throw new LedgerError("CONFIG_INVALID", `${home}/config.json has no p2p listener`);
    const key = suite.privateKeyFromPem(readFileSync(join(home, "node.key.pem"), "utf8"));
    return { home, config, id: toHex(suite.publicKeyOf(key).bytes) };
  });
  for (const entry of entries) {
    entry.config.peers = entries
      .filter((other) => other !== entry)
      .map((other) => ({ id: other.id, host: other.config.p2p?.host, port: other.config.p2p?.port }));
    writeFileSync(join(entry.home, "config.json"), `${JSON.stringify(entry.config, null, 2)}\n`);
  }
}

/** A TCP port free on loopback right now (for tests and benchmarks that start networks). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
