import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../clock.js";
import { getSuite } from "../../crypto/index.js";
import { HOME_FILES } from "../../node/config.js";
import { readKeyPairFile } from "../../node/key-files.js";
import { type RunningNode, runNode } from "../../node/run.js";
import { type RunningMonitor, runMonitor } from "../../ops/monitor/run.js";
import { targetsFromUrls } from "../../ops/monitor/targets.js";
import { freePort } from "../../ops/peers.js";
import { userCodeOf } from "../../pki/index.js";
import { until } from "../../until.test-util.js";
import { runCliCaptured as mkl } from "../run.test-util.js";

/**
 * `mkl ops ack|silence|unsilence|reload` sign with the operator's key file against a real
 * monitor, which asks a real node who signed: the node's operator may, an org admin may not.
 */
let dir: string;
let node: RunningNode;
let monitor: RunningMonitor;
let nodeKey: string;
let adminKey: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "mkl-ops-cli-"));
  const net = join(dir, "net");
  expect(
    (await mkl("network", "init", "--orgs", "1", "--suite", "ed25519", "--out", net)).error,
  ).toBeUndefined();
  const home = join(net, "node1");
  const config = JSON.parse(readFileSync(join(home, HOME_FILES.config), "utf8"));
  writeFileSync(
    join(home, HOME_FILES.config),
    JSON.stringify({
      ...config,
      api: { host: "127.0.0.1", port: 0 },
      p2p: { host: "127.0.0.1", port: 0 },
      emptyBlockIntervalMs: 100,
    }),
  );
  nodeKey = join(home, HOME_FILES.nodeKey);
  adminKey = join(net, "orgs", "org1", "admin.key.pem");
  node = await runNode(home, pino({ level: "silent" }));
  const configPath = join(dir, "monitor.json");
  writeFileSync(
    configPath,
    JSON.stringify({ interval: "200ms", rules: [{ name: "NodeUnreachable", for: "0s" }] }),
  );
  monitor = await runMonitor({
    // A URL nothing listens on: its NodeUnreachable alert is there to acknowledge.
    targets: targetsFromUrls(`${node.apiUrl},http://127.0.0.1:${await freePort()}`),
    dataDir: join(dir, "history"),
    configPath,
    log: () => {},
  });
}, 60_000);

afterAll(async () => {
  await monitor?.stop();
  await node?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("mkl ops writes", () => {
  it("signs acknowledgements, silences and reloads with the operator's key; refuses other roles", async () => {
    const dead = monitor.monitor.targets[1]!.name;
    const firing = () => monitor.monitor.firingAlerts().find((a) => a.node === dead);
    await until(() => firing() !== undefined);
    const alert = firing()!;
    const listed = await mkl("ops", "alerts", "--monitor", monitor.url);
    expect(listed.out).toContain(`${alert.id}  critical`);

    const refused = await mkl("ops", "ack", alert.id, "--monitor", monitor.url, "--key", adminKey);
    expect(refused.exit).toBe(1);
    expect(refused.error?.code).toBe("ROLE_NOT_PERMITTED");
    expect(refused.out).toMatch(/org-admin/);
    expect(monitor.monitor.alerts.get(alert.id)?.acknowledged).toBeUndefined();

    const code = userCodeOf(getSuite("ed25519").hash, readKeyPairFile(nodeKey).publicKey.bytes);
    const acked = await mkl("ops", "ack", alert.id, "--monitor", monitor.url, "--key", nodeKey);
    expect(acked.out).toContain(`acknowledged ${alert.id}`);
    expect(acked.out).toContain(`as ${code}`);
    const silenced = await mkl(
      "ops",
      "silence",
      "--rule",
      "NodeUnreachable",
      "--duration",
      "1h",
      "--monitor",
      monitor.url,
      "--key",
      nodeKey,
    );
    expect(silenced.error).toBeUndefined();
    const [silence] = monitor.monitor.alerts.listSilences(systemClock.now());
    expect(silence).toMatchObject({ rule: "NodeUnreachable", by: code });
    expect(
      (await mkl("ops", "unsilence", silence!.id, "--monitor", monitor.url, "--key", nodeKey)).out,
    ).toContain("ended");
    expect(monitor.monitor.alerts.listSilences(systemClock.now())).toEqual([]);
    expect((await mkl("ops", "reload", "--monitor", monitor.url, "--key", nodeKey)).out).toMatch(
      /runs \d+ rules/,
    );
    const missing = await mkl("ops", "unsilence", "s999", "--monitor", monitor.url, "--key", nodeKey);
    expect([missing.exit, missing.error?.code]).toEqual([1, "NOT_FOUND"]);
  });
});
