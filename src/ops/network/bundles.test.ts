import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { getSuite } from "../../crypto/index.js";
import type { KeyPair } from "../../crypto/suite.js";
import { toHex } from "../../ledger/bytes.js";
import { nodeConfigSchema, parseWith } from "../../node/config.js";
import { readPrivateKeyFile } from "../../pki/index.js";
import { type BundleManifest, bundleName, writeHostBundles } from "./bundles.js";
import { planContext } from "./grow.js";
import { planNetwork } from "./plan.js";
import { manifestTopology } from "./topology.js";

const base = mkdtempSync(join(tmpdir(), "mkl-bundles-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile());
}

const publicHex = (keys: KeyPair) => toHex(keys.publicKey.bytes);

describe("one bundle per host", () => {
  // Two organisations share nothing but peers; acme runs two hosts, one of them with two nodes.
  const manifest = {
    organisations: [
      {
        id: "acme",
        name: "Acme",
        nodes: [{ host: "198.18.0.1" }, { host: "198.18.0.1" }, { host: "198.18.0.2" }],
      },
      { id: "beta", name: "Beta", nodes: [{ host: "beta.example" }] },
      { id: "audit", name: "Auditor", nodes: [{ host: "198.18.0.9", observer: true }] },
    ],
  };
  const plan = planNetwork(
    planContext("sm", 30n),
    manifestTopology("bundle-test", manifest, "manifest.json", 27_000),
  );
  const out = join(base, "net");
  writeHostBundles(out, plan, undefined);

  it("writes each host its nodes' homes, peers at real addresses, systemd units and a README of ports", () => {
    expect(readdirSync(join(out, "hosts")).sort()).toEqual([
      "198.18.0.1",
      "198.18.0.2",
      "198.18.0.9",
      "beta.example",
    ]);
    expect(existsSync(join(out, "node1"))).toBe(false);
    const first = JSON.parse(
      readFileSync(join(out, "hosts", "198.18.0.1", "bundle.json"), "utf8"),
    ) as BundleManifest;
    expect(first.organisation).toBe("acme");
    expect(first.nodes.map((n) => [n.moniker, n.apiPort, n.p2pPort])).toEqual([
      ["node1", 27_000, 27_010],
      ["node2", 27_001, 27_011],
    ]);
    for (const node of plan.nodes) {
      const dir = join(out, "hosts", bundleName(node.host));
      const config = parseWith(
        nodeConfigSchema,
        JSON.parse(readFileSync(join(dir, node.moniker, "config.json"), "utf8")),
        "config.json",
      );
      expect(config.p2p).toEqual({ host: "0.0.0.0", port: node.ports.p2p });
      expect(config.peers.map((p) => `${p.host}:${p.port}`)).toEqual(
        plan.nodes.filter((other) => other !== node).map((other) => `${other.host}:${other.ports.p2p}`),
      );
      const unit = readFileSync(join(dir, `marketledger-${node.moniker}.service`), "utf8");
      expect(unit).toContain(
        `ExecStart=/usr/bin/env mkl node start --home /var/lib/marketledger/${node.moniker}`,
      );
      const readme = readFileSync(join(dir, "README.md"), "utf8");
      expect(readme).toContain(`| ${node.ports.p2p} | TCP | ${node.moniker} p2p`);
      expect(readme).toContain(`| ${node.ports.api} | TCP | ${node.moniker} HTTP API`);
      // The TLS certificate names the address peers dial.
      const san = spawnSync(
        "openssl",
        ["x509", "-noout", "-ext", "subjectAltName", "-in", join(dir, node.moniker, "tls.cert.pem")],
        {
          encoding: "utf8",
        },
      ).stdout;
      expect(san).toContain(node.host.includes("example") ? `DNS:${node.host}` : `IP Address:${node.host}`);
    }
    const verify = spawnSync(
      "systemd-analyze",
      ["verify", join(out, "hosts", "198.18.0.2", "marketledger-node3.service")],
      {
        encoding: "utf8",
      },
    );
    if (verify.error === undefined)
      expect(verify.stderr).not.toMatch(/Unknown (key|section)|Invalid|Failed to parse/i);
  });

  it("never puts a private key in any bundle but that of the host running its node", () => {
    const owner = new Map<string, string>(); // public key hex → the host whose bundle may hold it
    for (const node of plan.nodes) {
      owner.set(publicHex(node.keys), node.host);
      owner.set(publicHex(node.tlsKeys), node.host);
    }
    const offline = [
      plan.root,
      ...(plan.tlsRoot ? [plan.tlsRoot] : []),
      ...plan.orgs.flatMap((o) => [o.ca, ...(o.tlsCa ? [o.tlsCa] : [])]),
    ]
      .map((ca) => ca.keys)
      .concat(
        plan.orgs.map((o) => o.admin.keys),
        [plan.operator.keys],
      );
    for (const keys of offline) owner.set(publicHex(keys), "nowhere");
    const seen = new Map<string, string>();
    for (const host of readdirSync(join(out, "hosts"))) {
      for (const path of filesUnder(join(out, "hosts", host))) {
        const text = readFileSync(path, "utf8");
        if (!text.includes("PRIVATE KEY")) continue;
        const key = readPrivateKeyFile(text);
        const hex = toHex(getSuite(key.suite).publicKeyOf(key).bytes);
        expect(bundleName(owner.get(hex) ?? "unknown"), path).toBe(host);
        expect(statSync(path).mode & 0o777, path).toBe(0o600);
        seen.set(hex, host);
      }
    }
    // Every node's two keys are in its own bundle (and so the scan above looked at them).
    expect(seen.size).toBe(plan.nodes.length * 2);
  });
});
