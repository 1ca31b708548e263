import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { until } from "../e2e/harness.js";
import { asUser, run } from "../e2e/netns.js";
import { mountSmallDisk } from "../e2e/small-disk.js";
import { makeSoakRoot, mountsUnder, processesNaming, removeSoakLeftovers } from "./leftovers.js";
import { hasSoakNamespace } from "./lossy-host.js";
import { SoakScope } from "./scope.js";
import { describeReport, probeFaults, runSoak, stopRunningSoaks } from "./soak.js";

/**
 * Every way out of a soak run leaves nothing behind, and a machine where the harness is not root
 * skips the faults that need root, saying why.
 */
const isRoot = process.getuid?.() === 0;
/** Root can mount and make namespaces: the clean-up of those is checked only where it can. */
const ownRoots = () => readdirSync(tmpdir()).filter((name) => name.startsWith(`mkl-soak-${process.pid}-`));

afterAll(stopRunningSoaks);

describe("a soak run's clean-up", () => {
  it("removes what a dead run left (its node processes, its tmpfs, its directory), not a live run's", async () => {
    // A pid above the kernel's largest can never be a live process.
    const deadPid = Number(readFileSync("/proc/sys/kernel/pid_max", "utf8")) + 1;
    // In a directory of its own: a soak starting meanwhile in another test file sweeps only $TMPDIR.
    const parent = mkdtempSync(join(tmpdir(), "mkl-leftovers-"));
    const dead = join(parent, `mkl-soak-${deadPid}-leftover`);
    const live = makeSoakRoot(parent);
    mkdirSync(join(dead, "net", "node1"), { recursive: true });
    const disk = isRoot ? mountSmallDisk("1m", dead) : undefined;
    if (disk !== undefined) expect(disk).toHaveProperty("dir");
    // A stand-in node left running: its command line names its home in the dead run's directory.
    const orphan: ChildProcess = spawn(
      process.execPath,
      ["-e", "setInterval(() => {}, 60_000)", "--", join(dead, "net", "node1")],
      {
        stdio: "ignore",
      },
    );
    const exited = once(orphan, "exit");
    await until(() => processesNaming(dead).includes(orphan.pid!), 10_000);
    try {
      expect(removeSoakLeftovers(parent)).toEqual([dead]);
      expect(await exited).toEqual([null, "SIGKILL"]);
      expect(mountsUnder(dead)).toEqual([]);
      expect(existsSync(dead)).toBe(false);
      expect(existsSync(live)).toBe(true);
    } finally {
      orphan.kill("SIGKILL");
      for (const point of mountsUnder(dead)) run("umount", ["-l", point]);
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it("stops a run that is stopped midway: no node process, tmpfs, namespace or directory is left", async () => {
    const stop = new AbortController();
    let held: { root: string; nodes: number[]; mounts: string[]; namespace: boolean } | undefined;
    const lines: string[] = [];
    const outcome = runSoak({
      minutes: 0,
      seed: 1,
      signal: stop.signal,
      print: (line) => {
        lines.push(line);
        // Once the network is up, everything is held: nodes, proxies, the tmpfs, the namespace.
        if (held !== undefined || !line.startsWith("network up: ")) return;
        const [root] = ownRoots();
        held = {
          root: join(tmpdir(), root!),
          nodes: processesNaming(join(tmpdir(), root!)),
          mounts: mountsUnder(join(tmpdir(), root!)),
          namespace: hasSoakNamespace(),
        };
        stop.abort(new Error("stopped by the test"));
      },
    });
    await expect(outcome).rejects.toThrow("stopped by the test");
    expect(held, lines.join("\n")).toBeDefined();
    const { root, nodes, mounts, namespace } = held!;
    // What the run held at the fault, so the checks below are of something.
    expect(nodes.length).toBeGreaterThanOrEqual(4);
    if (isRoot) {
      expect(mounts).toHaveLength(1);
      expect(namespace).toBe(true);
    }
    // The abandoned run may still start a node on its way out: the closed scope kills it at once.
    await until(() => processesNaming(root).length === 0, 30_000);
    for (const pid of nodes)
      expect(
        existsSync(`/proc/${pid}/cmdline`) && readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(root),
      ).toBe(false);
    expect(mountsUnder(root)).toEqual([]);
    expect(hasSoakNamespace()).toBe(false);
    expect(existsSync(root)).toBe(false);
  }, 180_000);
});

describe("the fault harness where it is not root", () => {
  it("skips the full-disk and lossy-link faults, printing why, and the summary names them", async () => {
    // From root, the probe's commands run as nobody: what a machine without root gives.
    const runner = isRoot ? asUser("nobody", "nogroup") : run;
    const root = makeSoakRoot();
    const scope = new SoakScope();
    const printed: string[] = [];
    try {
      const { disk, lossy, skipped } = probeFaults(root, scope, (line) => printed.push(line), runner);
      expect(disk).toHaveProperty("reason");
      expect(lossy).toHaveProperty("reason");
      expect(skipped.diskFull).toMatch(/^cannot mount a tmpfs: .+/);
      expect(skipped.lossyLinks).toMatch(/^network namespaces cannot be made here \(ip netns add: .+\)$/);
      expect(printed).toEqual([
        `skipping the diskFull fault: ${skipped.diskFull}`,
        `skipping the lossyLinks fault: ${skipped.lossyLinks}`,
      ]);
      // Nothing half made: no mount, no namespace, no directory for the disk.
      expect(mountsUnder(root)).toEqual([]);
      expect(hasSoakNamespace()).toBe(false);
      expect(readdirSync(root)).toEqual([]);
      const summary = describeReport({
        seed: 7,
        seconds: 1,
        height: 1n,
        acknowledged: 0,
        operations: {},
        refusedResults: {},
        faults: {},
        skipped,
        hostileRefused: 0,
        rateLimited: { address: 0, signer: 0 },
        packets: { dropped: 0, duplicated: 0 },
        resumeSeconds: [],
        problems: [],
      });
      expect(summary).toContain(`skipped ${JSON.stringify(skipped)}`);
    } finally {
      await scope.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
