import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { getSuite } from "../../crypto/index.js";
import { toHex } from "../../ledger/bytes.js";
import { targetsFromNetwork } from "../../ops/monitor/targets.js";
import type { BundleManifest } from "../../ops/network/bundles.js";
import { listenersOf } from "../../ops/network/port-check.js";
import { networkNodes } from "../../ops/network-up.js";
import { parseCertificate, readPrivateKeyFile } from "../../pki/index.js";
import { runCliCaptured as mkl } from "../run.test-util.js";

const base = mkdtempSync(join(tmpdir(), "mkl-hosts-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe("mkl network init --hosts | --manifest", () => {
  it("writes one bundle per host of --hosts, one organisation each", async () => {
    const out = join(base, "hosts-net");
    const hosts = ["198.18.1.1", "198.18.1.2", "198.18.1.3"];
    const run = await mkl(
      "network",
      "init",
      "--hosts",
      hosts.join(","),
      "--suite",
      "ecdsa-p256",
      "--out",
      out,
      "--base-port",
      "28000",
    );
    expect(run.error).toBeUndefined();
    expect(run.out).toContain("on 3 hosts");
    expect(readdirSync(join(out, "hosts")).sort()).toEqual(hosts);
    const config = JSON.parse(readFileSync(join(out, "hosts", hosts[1]!, "node2", "config.json"), "utf8"));
    expect(config.peers.map((p: { host: string; port: number }) => `${p.host}:${p.port}`)).toEqual([
      "198.18.1.1:28010",
      "198.18.1.3:28010",
    ]);
  });

  it("is read as a network by every command that takes a directory: the whole, or one bundle", async () => {
    const out = join(base, "hosts-net");
    const hosts = ["198.18.1.1", "198.18.1.2", "198.18.1.3"];
    // The one reader: every node in order, each with its bundle's host.
    expect(networkNodes(out).map((n) => `${n.name}@${n.host}`)).toEqual(
      hosts.map((host, i) => `node${i + 1}@${host}`),
    );
    expect(networkNodes(join(out, "hosts", hosts[1]!)).map((n) => n.name)).toEqual(["node2"]);
    // mkl ops monitor --network: each node at its host's address (the API listens on all of them).
    expect(targetsFromNetwork(out)).toEqual(
      hosts.map((host, i) => ({ name: `node${i + 1}`, url: `http://${host}:28000` })),
    );
    // mkl network up of one bundle (on its host) checks that bundle's listeners.
    expect(listenersOf(join(out, "hosts", hosts[2]!)).map((l) => `${l.what} ${l.port}`)).toEqual([
      "node3 API 28000",
      "node3 p2p 28010",
    ]);
    // mkl network renew-node-cert finds the node's home in its bundle.
    const certPath = join(out, "hosts", hosts[1]!, "node2", "node.cert.pem");
    const before = parseCertificate(readFileSync(certPath, "utf8")).notAfterMs;
    const renewed = await mkl("network", "renew-node-cert", "--dir", out, "--node", "node2", "--days", "400");
    expect(renewed.error).toBeUndefined();
    expect(renewed.out).toContain(certPath);
    expect(parseCertificate(readFileSync(certPath, "utf8")).notAfterMs).toBeGreaterThan(before);
    expect(existsSync(join(out, "node2"))).toBe(false);
  });

  it("refuses a bad manifest or host list with what is wrong, and writes nothing", async () => {
    const cases: Array<[string[], RegExp]> = [];
    const file = (name: string, doc: unknown) => {
      const path = join(base, name);
      writeFileSync(path, JSON.stringify(doc));
      return path;
    };
    const org = (id: string, hosts: string[]) => ({ id, name: id, nodes: hosts.map((host) => ({ host })) });
    cases.push([
      ["--manifest", file("typo.json", { organisations: [org("a", ["198.18.0.1"])], orgs: 1 })],
      /Unrecognized key.*orgs/,
    ]);
    cases.push([
      ["--manifest", file("host.json", { organisations: [org("a", ["not a host"])] })],
      /organisations\.0\.nodes\.0\.host: must be an IP address/,
    ]);
    cases.push([
      ["--manifest", file("id.json", { organisations: [org("A!", ["198.18.0.1"])] })],
      /organisations\.0\.id: must be lowercase/,
    ]);
    cases.push([
      [
        "--manifest",
        file("shared.json", { organisations: [org("a", ["198.18.0.1"]), org("b", ["198.18.0.1"])] }),
      ],
      /host 198\.18\.0\.1 runs nodes of a and b/,
    ]);
    cases.push([
      [
        "--manifest",
        file("twice.json", { organisations: [org("a", ["198.18.0.1"]), org("a", ["198.18.0.2"])] }),
      ],
      /organisation a is named twice/,
    ]);
    cases.push([
      [
        "--manifest",
        file("observers.json", {
          organisations: [{ id: "a", name: "a", nodes: [{ host: "198.18.0.1", observer: true }] }],
        }),
      ],
      /needs a validator/,
    ]);
    cases.push([["--manifest", join(base, "missing.json")], /cannot read/]);
    cases.push([["--hosts", "198.18.0.1,198.18.0.1"], /names 198\.18\.0\.1 twice/]);
    cases.push([["--hosts", "198.18.0.1,0.0.0.0"], /"0\.0\.0\.0" is not a host address/]);
    cases.push([["--hosts", "198.18.0.1", "--orgs", "2"], /give one of --orgs/]);
    cases.push([[], /give one of --orgs/]);
    cases.push([["--hosts", "198.18.0.1", "--base-port", "65530"], /base port 65530 leaves no room/]);
    for (const [args, message] of cases) {
      const out = join(base, "never");
      const run = await mkl("network", "init", "--suite", "ecdsa-p256", "--out", out, ...args);
      expect(run.error?.message, args.join(" ")).toMatch(message);
      expect(existsSync(out)).toBe(false);
    }
  });
});

describe("mkl network add-observer | add-org on a network of host bundles", () => {
  const out = join(base, "grow-net");
  const hosts = ["198.18.2.1", "198.18.2.2", "198.18.2.3"];
  const bundle = (host: string) =>
    JSON.parse(readFileSync(join(out, "hosts", host, "bundle.json"), "utf8")) as BundleManifest;
  const config = (host: string, node: string) =>
    JSON.parse(readFileSync(join(out, "hosts", host, node, "config.json"), "utf8")) as {
      p2p: { host: string; port: number };
      peers: Array<{ id: string; host: string; port: number }>;
    };
  const nodeKeyHex = (host: string, node: string) => {
    const key = readPrivateKeyFile(readFileSync(join(out, "hosts", host, node, "node.key.pem"), "utf8"));
    return toHex(getSuite(key.suite).publicKeyOf(key).bytes);
  };
  /** The public keys of every private key under a bundle. */
  const keysIn = (host: string) =>
    readdirSync(join(out, "hosts", host), { recursive: true, encoding: "utf8" })
      .map((name) => join(out, "hosts", host, name))
      .filter((path) => path.endsWith(".pem") && readFileSync(path, "utf8").includes("PRIVATE KEY"))
      .map((path) => {
        const key = readPrivateKeyFile(readFileSync(path, "utf8"));
        return toHex(getSuite(key.suite).publicKeyOf(key).bytes);
      });

  it("adds an observer on a new host: its own bundle, and every other node's peers gain it", async () => {
    const init = await mkl(
      ...["network", "init", "--hosts", hosts.join(","), "--suite", "ecdsa-p256", "--out", out],
      ...["--base-port", "28100"],
    );
    expect(init.error).toBeUndefined();
    const before = readFileSync(join(out, "hosts", hosts[1]!, "README.md"), "utf8");
    const grown = await mkl("network", "add-observer", "--dir", out, "--org", "org1", "--host", "198.18.2.9");
    expect(grown.error).toBeUndefined();
    expect(grown.out).toContain("observer node4 of org1 on 198.18.2.9 (api 28100, p2p 28110)");
    expect(grown.out).toContain(
      `mkl gov propose add-observer --key ${join(out, "orgs", "org1", "admin.key.pem")}`,
    );
    for (const [i, host] of hosts.entries())
      expect(grown.out).toContain(
        `${host}: copy ${join(out, "hosts", host, `node${i + 1}`, "config.json")} to /var/lib/marketledger/node${i + 1}/config.json`,
      );
    expect(grown.out).toContain(
      "198.18.2.2: let its p2p in: nft add rule inet filter input ip saddr 198.18.2.9 tcp dport { 28110 } accept",
    );

    const added = bundle("198.18.2.9");
    expect(added).toMatchObject({ host: "198.18.2.9", organisation: "org1" });
    expect(added.nodes).toEqual([
      {
        moniker: "node4",
        observer: true,
        apiPort: 28100,
        p2pPort: 28110,
        home: "/var/lib/marketledger/node4",
      },
    ]);
    expect(added.peers.map((p) => `${p.moniker}@${p.host}:${p.p2pPort}`)).toEqual(
      hosts.map((host, i) => `node${i + 1}@${host}:28110`),
    );
    const own = config("198.18.2.9", "node4");
    expect(own.p2p).toEqual({ host: "0.0.0.0", port: 28110 });
    expect(own.peers.map((p) => `${p.host}:${p.port}`)).toEqual(hosts.map((host) => `${host}:28110`));
    expect(own.peers.map((p) => p.id)).toEqual(hosts.map((host, i) => nodeKeyHex(host, `node${i + 1}`)));
    expect(existsSync(join(out, "hosts", "198.18.2.9", "marketledger-node4.service"))).toBe(true);
    expect(readFileSync(join(out, "hosts", "198.18.2.9", "README.md"), "utf8")).toContain(
      "| 28110 | TCP | node4 p2p",
    );
    // Its private keys are in its bundle alone; the others hold their own node's only.
    expect(keysIn("198.18.2.9")).toHaveLength(2);
    expect(keysIn("198.18.2.9")).toContain(nodeKeyHex("198.18.2.9", "node4"));
    for (const [i, host] of hosts.entries()) {
      expect(keysIn(host)).not.toContain(nodeKeyHex("198.18.2.9", "node4"));
      const peers = config(host, `node${i + 1}`).peers;
      expect(peers.at(-1)).toEqual({
        id: nodeKeyHex("198.18.2.9", "node4"),
        host: "198.18.2.9",
        port: 28110,
      });
      expect(bundle(host).peers.at(-1)).toEqual({ moniker: "node4", host: "198.18.2.9", p2pPort: 28110 });
    }
    const after = readFileSync(join(out, "hosts", hosts[1]!, "README.md"), "utf8");
    expect(before).not.toContain("198.18.2.9");
    expect(after).toContain("| node4 | 198.18.2.9:28110 |");
    // Read as one network by every command: the new node at its host.
    expect(networkNodes(out).map((n) => `${n.name}@${n.host}`)).toEqual([
      ...hosts.map((host, i) => `node${i + 1}@${host}`),
      "node4@198.18.2.9",
    ]);
  });

  it("adds a second node to a host of its own organisation, on the host's next ports", async () => {
    const grown = await mkl("network", "add-observer", "--dir", out, "--org", "org1", "--host", "198.18.2.9");
    expect(grown.error).toBeUndefined();
    expect(grown.out).toContain("its bundle, which gains it");
    expect(bundle("198.18.2.9").nodes.map((n) => [n.moniker, n.apiPort, n.p2pPort])).toEqual([
      ["node4", 28100, 28110],
      ["node5", 28101, 28111],
    ]);
    // The node beside it on the same host lists it too.
    expect(config("198.18.2.9", "node4").peers.at(-1)?.port).toBe(28111);
    expect(bundle("198.18.2.9").peers).toHaveLength(3);
  });

  it("adds an organisation with a node on a new host, and refuses a host of another organisation", async () => {
    const refused = await mkl(
      ...["network", "add-org", "--dir", out, "--id", "org9", "--name", "Nine", "--host", hosts[0]!],
    );
    expect(refused.error?.message).toMatch(/host 198\.18\.2\.1 runs nodes of org1/);
    expect(existsSync(join(out, "orgs", "org9"))).toBe(false);
    const wrong = await mkl("network", "add-observer", "--dir", out, "--org", "org2", "--host", "198.18.2.9");
    expect(wrong.error?.message).toMatch(/host 198\.18\.2\.9 runs nodes of org1: one organisation per host/);
    const unnamed = await mkl("network", "add-observer", "--dir", out, "--org", "org2");
    expect(unnamed.error?.message).toMatch(/name the observer's host with --host/);
    expect(bundle("198.18.2.9").nodes).toHaveLength(2);

    const added = await mkl(
      ...["network", "add-org", "--dir", out, "--id", "org9", "--name", "Nine", "--host", "nine.example"],
    );
    expect(added.error).toBeUndefined();
    expect(added.out).toContain("mkl gov propose admit-org --org org9");
    expect(added.out).toContain("observer node6 of org9 on nine.example");
    expect(bundle("nine.example")).toMatchObject({ organisation: "org9", nodes: [{ moniker: "node6" }] });
    const cert = parseCertificate(
      readFileSync(join(out, "hosts", "nine.example", "node6", "node.cert.pem"), "utf8"),
    );
    expect(cert.subject).toMatchObject({ commonName: "node6", organization: "org9" });
    expect(keysIn("nine.example")).toHaveLength(2);
    expect(config(hosts[2]!, "node3").peers.at(-1)?.host).toBe("nine.example");
  });
});
