import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../e2e/netns.js";

/**
 * A soak run's directory is named after its process (mkl-soak-PID-XXXXXX under the temporary
 * directory) and holds all it makes on disk: the node homes, the tmpfs of the full-disk fault,
 * the clock-skew file. So a later run can tell a dead run's leftovers from a live run's.
 */
const ROOT = /^mkl-soak-(\d+)-/;

/** A new directory for this process's run. */
export function makeSoakRoot(parent = tmpdir()): string {
  return mkdtempSync(join(parent, `mkl-soak-${process.pid}-`));
}

/**
 * What runs whose process is gone left (killed outright, or a test worker torn down before its
 * clean-up): their node processes (each names its home in the run's directory on its command
 * line) are killed, their tmpfs unmounted, their directory removed. A live run's are left alone,
 * and so is anything whose pid is taken again (it cannot be told apart). Returns what it removed.
 */
export function removeSoakLeftovers(parent = tmpdir()): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(parent)) {
    const pid = ROOT.exec(name)?.[1];
    if (pid === undefined || pid === String(process.pid) || existsSync(`/proc/${pid}`)) continue;
    const dir = join(parent, name);
    for (const orphan of processesNaming(dir)) {
      try {
        process.kill(orphan, "SIGKILL");
      } catch {
        // gone meanwhile
      }
    }
    // Deepest first; lazily, since a killed node may hold its files a moment longer.
    for (const mount of mountsUnder(dir).reverse()) run("umount", ["-l", mount]);
    rmSync(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}

/** Processes whose command line names a path in `dir`. */
export function processesNaming(dir: string): number[] {
  const prefix = `${dir}/`;
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8")
          .split("\0")
          .some((arg) => arg.startsWith(prefix));
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

/** Mount points at or under `dir`, in the order they were mounted. */
export function mountsUnder(dir: string): string[] {
  return readFileSync("/proc/mounts", "utf8")
    .split("\n")
    .map((line) => (line.split(" ")[1] ?? "").replace(/\\040/g, " "))
    .filter((point) => point === dir || point.startsWith(`${dir}/`));
}
