import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
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
