import { describe, expect, it } from "vitest";
import { parseGenesis } from "../../app/genesis.js";
import { toHex } from "../../ledger/bytes.js";
import { nodeConfigSchema, parseWith } from "../../node/config.js";
import { verifyIssuedBy, verifySelfSigned } from "../../pki/index.js";
import { NetworkError } from "./errors.js";
import { nodeId, type PlanContext, planNetwork, type Topology } from "./plan.js";
import { hostPorts } from "./ports.js";
import { localTopology } from "./topology.js";

// Fixed time and counting serials: a plan reads neither the clock nor the disk.
const START = 1_764_000_000_000n;
function context(suite: PlanContext["suite"] = "ecdsa-p256"): PlanContext {
  let next = 1;
  return {
    suite,
    days: 30n,
    startMs: START,
    nowMs: START + 3_600_000n,
    serial: () => new Uint8Array([0x01, next++]),
  };
}

describe("network plan", () => {
  it("plans the local consortium: ports, peers by key, genesis validators, certificates that chain", () => {
    const plan = planNetwork(context(), localTopology("plan-test", 4));
    expect(plan.nodes.map((node) => node.config.api.port)).toEqual([26651, 26652, 26653, 26654]);
    expect(plan.nodes.map((node) => node.config.p2p.port)).toEqual([26661, 26662, 26663, 26664]);
    const genesis = parseGenesis(plan.genesis);
    expect(genesis.validators.map((v) => toHex(v.publicKey))).toEqual(plan.nodes.map(nodeId));
    expect(genesis.organisations.map((o) => o.id)).toEqual(["org1", "org2", "org3", "org4"]);
    const at = START + 1000n;
    verifySelfSigned(plan.root.cert, at);
    for (const node of plan.nodes) {
      const config = parseWith(nodeConfigSchema, node.config, "config.json");
      expect(config.api.host).toBe("127.0.0.1");
      expect(config.peers.map((p) => p.id)).toEqual(plan.nodes.filter((o) => o !== node).map(nodeId));
      expect(config.peers.every((p) => p.host === "127.0.0.1")).toBe(true);
      const org = plan.orgs.find((o) => o.id === node.organisation)!;
      verifyIssuedBy(node.chain[0]!, org.ca.cert, at);
      verifyIssuedBy(org.ca.cert, plan.root.cert, at);
      // ecdsa-p256: the organisation CA issues TLS certificates too.
      expect(plan.tlsRoot).toBeUndefined();
      verifyIssuedBy(node.tlsChain[0]!, org.ca.cert, at);
    }
    expect(plan.manifest).toMatchObject({ chainId: "plan-test", separateTls: false, basePort: 26651 });
  });

  it("moves every port with the base port, and gives a TLS hierarchy of its own on sm", () => {
    const plan = planNetwork(context("sm"), localTopology("plan-test", 2, 30_001));
    expect(plan.nodes.map((node) => [node.ports.api, node.ports.p2p])).toEqual([
      [30_001, 30_011],
      [30_002, 30_012],
    ]);
    expect(plan.nodes[0]!.config.peers).toEqual([
      { id: nodeId(plan.nodes[1]!), host: "127.0.0.1", port: 30_012 },
    ]);
    expect(plan.tlsRoot?.keys.publicKey.suite).toBe("ecdsa-p256");
    const tlsCa = plan.orgs[0]!.tlsCa!;
    verifyIssuedBy(plan.nodes[0]!.tlsChain[0]!, tlsCa.cert, START + 1000n);
    expect(plan.manifest.separateTls).toBe(true);
  });

  it("places nodes on their hosts: listen on every address, peers dialled at the real one; observers do not vote", () => {
    const topology: Topology = {
      chainId: "plan-hosts",
      basePort: 7000,
      placement: "hosts",
      orgs: [
        { id: "acme", name: "Acme", nodes: [{ host: "10.0.0.1" }, { host: "10.0.0.1" }] },
        { id: "audit", name: "Auditor", nodes: [{ host: "audit.example", observer: true }] },
        { id: "beta", name: "Beta", nodes: [{ host: "10.0.0.2" }] },
      ],
    };
    const plan = planNetwork(context(), topology);
    expect(plan.nodes.map((n) => [n.moniker, n.host, n.ports.api, n.ports.p2p])).toEqual([
      ["node1", "10.0.0.1", 7000, 7010],
      ["node2", "10.0.0.1", 7001, 7011],
      ["node3", "audit.example", 7000, 7010],
      ["node4", "10.0.0.2", 7000, 7010],
    ]);
    expect(plan.nodes[3]!.config.p2p.host).toBe("0.0.0.0");
    expect(plan.nodes[3]!.config.peers?.map((p) => `${p.host}:${p.port}`)).toEqual([
      "10.0.0.1:7010",
      "10.0.0.1:7011",
      "audit.example:7010",
    ]);
    expect(parseGenesis(plan.genesis).validators.map((v) => v.name)).toEqual(["node1", "node2", "node4"]);
    expect(plan.manifest.nodes[2]).toEqual({
      moniker: "node3",
      organisation: "audit",
      observer: true,
      host: "audit.example",
    });
  });

  it("keeps API and p2p ranges apart however many nodes share a host, and refuses a base port without room", () => {
    const ports = hostPorts(20_000, 12);
    const all = ports.flatMap((p) => [p.api, p.p2p]);
    expect(new Set(all).size).toBe(24);
    expect(() => hostPorts(65_530, 1)).toThrow(NetworkError);
    expect(() => localTopology("plan-test", 4, 0)).toThrow(/base port 0/);
    expect(() => localTopology("plan-test", 0)).toThrow(/--orgs must be 1..64/);
    expect(() => localTopology("Bad Id", 1)).toThrow(/bad --chain-id/);
  });
});
