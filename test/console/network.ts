import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  configurePaymentSimulator,
  DEMO_PARTIES,
  DEMO_PAYMENT_SERVICE,
  seedDemoGenesis,
} from "../../src/ops/demo-genesis.js";
import { type NodeProcessInfo, nodeHomes, stopChild } from "../../src/ops/network-up.js";
import { freePort, wirePeers } from "../../src/ops/peers.js";
import { CLI, ROOT, startNode, writeTestConfig } from "../e2e/harness.js";

export interface ConsoleNetwork {
  /** The network directory: orgs/ORG/{ca.cert.pem,ca.key.pem,admin.key.pem}, demo/NAME.key.pem. */
  dir: string;
  apiUrls: string[];
  stop(): Promise<void>;
}

/**
 * What `npm start` makes, on ephemeral ports: four organisations, one validator process each
 * over mutual TLS, with the demo identities (enterprise-a of org1, ...) and the payment
 * simulator's payment service (of org2, its key held by every node) in genesis. No demo
 * traffic: the browser test makes every transaction itself.
 */
export async function startConsoleNetwork(suite = "sm"): Promise<ConsoleNetwork> {
  const root = mkdtempSync(join(tmpdir(), "mkl-console-"));
  const dir = join(root, "net");
  execFileSync(CLI[0], [...CLI.slice(1), "network", "init", "--orgs", "4", "--suite", suite, "--out", dir], {
    cwd: ROOT,
    stdio: "pipe",
  });
  seedDemoGenesis(dir, [...DEMO_PARTIES, DEMO_PAYMENT_SERVICE]);
  const homes = nodeHomes(dir);
  wirePeers(dir, { p2pPorts: await Promise.all(homes.map(() => freePort())) });
  for (const home of homes) writeTestConfig(home, { emptyBlockIntervalMs: 500 });
  configurePaymentSimulator(dir);
  const nodes: NodeProcessInfo[] = homes.map((home) => startNode(home));
  const apiUrls = await Promise.all(nodes.map((n) => n.apiUrl));
  return {
    dir,
    apiUrls,
    stop: async () => {
      await Promise.all(nodes.map((n) => stopChild(n.child)));
      rmSync(root, { recursive: true, force: true });
    },
  };
}
