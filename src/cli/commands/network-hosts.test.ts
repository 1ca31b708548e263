import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { targetsFromNetwork } from "../../ops/monitor/targets.js";
import { listenersOf } from "../../ops/network/port-check.js";
import { networkNodes } from "../../ops/network-up.js";
import { parseCertificate } from "../../pki/index.js";
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
