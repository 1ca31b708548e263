import { describe, expect, it } from "vitest";
import { until } from "../until.test-util.js";
import { type NodeProcessInfo, startNodeProcess } from "./network-up.js";
import { RestartBackoff, superviseNodes } from "./supervise.js";

const policy = { initialMs: 1_000, maxMs: 8_000, stableMs: 60_000 };

describe("the restart backoff", () => {
  it("doubles while a node keeps failing, up to the bound", () => {
    const backoff = new RestartBackoff(policy);
    expect([0, 0, 0, 0, 0, 0].map(() => backoff.delayAfter(500))).toEqual([
      1_000, 2_000, 4_000, 8_000, 8_000, 8_000,
    ]);
    expect(backoff.restarts).toBe(6);
  });

  it("starts again from the first delay once a run lasted the stable period", () => {
    const backoff = new RestartBackoff(policy);
    backoff.delayAfter(10);
    backoff.delayAfter(10);
    expect(backoff.delayAfter(10)).toBe(4_000);
    expect(backoff.delayAfter(60_000)).toBe(1_000);
    expect(backoff.delayAfter(59_999)).toBe(2_000);
  });
});

/**
 * Stand-in node processes (node -e) that print the line a node prints once it serves, then
 * exit as told: the supervisor sees real processes exit, with real codes and signals.
 */
function fakeNode(name: string, script: string): NodeProcessInfo {
  return startNodeProcess(`/nodes/${name}`, process.execPath, ["-e", script, "--"], () => {});
}
const serveThen = (exit: string) =>
  `console.log("API http://127.0.0.1:1"); console.log("working"); setTimeout(() => { ${exit} }, 20);`;

describe("the node supervisor", () => {
  it("reports an exit with its code and last lines and, without restart, says when every node is gone", async () => {
    const lines: string[] = [];
    let allExited!: () => void;
    const gone = new Promise<void>((resolve) => {
      allExited = resolve;
    });
    const nodes = [
      fakeNode("node1", serveThen("process.exit(3)")),
      fakeNode("node2", serveThen("process.kill(process.pid, 'SIGKILL')")),
    ];
    superviseNodes(nodes, {
      restart: false,
      start: () => {
        throw new Error("no restart was asked for");
      },
      log: (line) => lines.push(line),
      onAllExited: allExited,
    });
    await gone;
    expect(lines.find((l) => l.startsWith("node1"))).toMatch(
      /^node1 \(pid \d+\) exited \(exit code 3\) after [\d.]+ s; its last lines:\n {4}API http:\/\/127\.0\.0\.1:1\n {4}working$/,
    );
    expect(lines.find((l) => l.startsWith("node2"))).toMatch(/^node2 \(pid \d+\) exited \(signal SIGKILL\)/);
  });

  it("restarts a crashing node with a growing delay and stops restarting when stopped", async () => {
    const lines: string[] = [];
    let starts = 0;
    const crash = () => {
      starts++;
      return fakeNode("node1", serveThen("process.exit(1)"));
    };
    const supervision = superviseNodes([crash()], {
      restart: true,
      backoff: { initialMs: 10, maxMs: 40, stableMs: 60_000 },
      start: crash,
      log: (line) => lines.push(line),
    });
    await until(() => lines.filter((l) => l.startsWith("restarting")).length >= 4, 30_000, "four restarts");
    await supervision.stop();
    const startsAtStop = starts;
    expect(lines.filter((l) => l.startsWith("restarting")).slice(0, 4)).toEqual([
      "restarting node1 in 10 ms (restart 1)",
      "restarting node1 in 20 ms (restart 2)",
      "restarting node1 in 40 ms (restart 3)",
      "restarting node1 in 40 ms (restart 4)",
    ]);
    expect(supervision.nodes().every((n) => n.child.exitCode !== null || n.child.signalCode !== null)).toBe(
      true,
    );
    // Nothing is started after stop, even a restart that was already scheduled: wait past the
    // longest delay (a negative check; a slow machine can only make it pass, never fail).
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(starts).toBe(startsAtStop);
  });

  it("holds a restart to the start-up timeout: one that never serves is reported, stopped and restarted with backoff", async () => {
    const lines: string[] = [];
    let restarts = 0;
    // Serves, then exits; every restart hangs without printing (a node stuck opening its store).
    const hang = () => {
      restarts++;
      return fakeNode("node1", "setInterval(() => {}, 60_000);");
    };
    const supervision = superviseNodes([fakeNode("node1", serveThen("process.exit(1)"))], {
      restart: true,
      // A hung run outlasts stableMs: the delays still double, since a run that never served is no stable run.
      backoff: { initialMs: 10, maxMs: 1_000, stableMs: 100 },
      startupTimeoutMs: 300,
      start: hang,
      log: (line) => lines.push(line),
    });
    await until(() => lines.filter((l) => l.startsWith("restarting")).length >= 3, 30_000, "three restarts");
    await supervision.stop();
    expect(lines.filter((l) => l.startsWith("restarting")).slice(0, 3)).toEqual([
      "restarting node1 in 10 ms (restart 1)",
      "restarting node1 in 20 ms (restart 2)",
      "restarting node1 in 40 ms (restart 3)",
    ]);
    const timeouts = lines.filter((l) => l.includes("NODE_STARTUP_TIMEOUT"));
    expect(timeouts.length).toBeGreaterThanOrEqual(2);
    for (const line of timeouts)
      expect(line).toMatch(
        /^node1 \(pid \d+\) did not serve within 300 ms of starting \[NODE_STARTUP_TIMEOUT\]; stopping it, to restart it with backoff$/,
      );
    // Each hung process was ended (SIGTERM) and that exit reported like any other.
    expect(
      lines.filter((l) => /^node1 \(pid \d+\) exited \(signal SIGTERM\)/.test(l)).length,
    ).toBeGreaterThanOrEqual(2);
    expect(supervision.nodes().every((n) => n.child.exitCode !== null || n.child.signalCode !== null)).toBe(
      true,
    );
    expect(restarts).toBeGreaterThanOrEqual(2);
  });
});
