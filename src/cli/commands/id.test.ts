import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getSuite } from "../../crypto/index.js";
import { type RunningNode, runNode } from "../../node/run.js";
import { parseCertificate, userCodeOf } from "../../pki/index.js";
import { runCliCaptured as mkl } from "../run.test-util.js";

/** `mkl id` asks a running node's API: it never opens the node's store. */

let dir: string;
let running: RunningNode;
let adminCode: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "mkl-id-"));
  const net = join(dir, "net");
  expect(
    (await mkl("network", "init", "--orgs", "1", "--suite", "ed25519", "--out", net)).error,
  ).toBeUndefined();
  const home = join(net, "node1");
  const config = JSON.parse(readFileSync(join(home, "config.json"), "utf8"));
  writeFileSync(
    join(home, "config.json"),
    JSON.stringify({ ...config, api: { host: "127.0.0.1", port: 0 }, p2p: { host: "127.0.0.1", port: 0 } }),
  );
  adminCode = parseCertificate(readFileSync(join(net, "orgs", "org1", "admin.cert.pem"), "utf8")).subject
    .commonName;
  running = await runNode(home, pino({ level: "silent" }));
}, 30_000);

afterAll(async () => {
  await running?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("mkl id against a node", () => {
  it("shows an identity the node knows, and refuses one it does not", async () => {
    const shown = await mkl("id", "show", adminCode, "--node", running.apiUrl);
    expect(shown.error).toBeUndefined();
    expect(shown.out).toContain("role org-admin");
    expect(shown.out).toContain("organisation org1");
    expect(shown.out).toMatch(/found in node http:\/\/127\.0\.0\.1:\d+ at height \d+/);
    const suite = getSuite("ed25519");
    const stranger = userCodeOf(suite.hash, suite.generateKeyPair().publicKey.bytes);
    const missing = await mkl("id", "show", stranger, "--node", running.apiUrl);
    expect(missing.error?.message ?? "").toMatch(/no identity .* in node/);
  });

  it("lists the certificates that lapse within a window, and none within zero days", async () => {
    const soon = await mkl("id", "expiring", "--node", running.apiUrl, "--days", "99999");
    expect(soon.error).toBeUndefined();
    expect(soon.out).toContain(`${adminCode} org-admin of org1 expires`);
    expect(soon.out).toMatch(/organisation org1 CA expires/);
    const none = await mkl("id", "expiring", "--node", running.apiUrl, "--days", "0");
    expect(none.out).toMatch(/^0 identities expire within 0 days/m);
    expect((await mkl("id", "expiring", "--node", running.apiUrl, "--days", "x")).error?.code).toBe(
      "CLI_USAGE",
    );
  });
});
