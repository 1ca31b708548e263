import { execFileSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CommandRunner, run } from "./netns.js";

/**
 * A small tmpfs of `size` (e.g. "8m") to fill, in a new directory under `parent`; root can mount
 * one, elsewhere the reason it cannot. `runner`: how `mount` runs (the skip path's test: unprivileged).
 */
export function mountSmallDisk(
  size: string,
  parent = tmpdir(),
  runner: CommandRunner = run,
): { dir: string } | { reason: string } {
  const dir = mkdtempSync(join(parent, "mkl-disk-"));
  const mounted = runner("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir]);
  if (mounted.ok) return { dir };
  rmSync(dir, { recursive: true, force: true });
  return { reason: mounted.error || "mount failed" };
}

export function unmountSmallDisk(dir: string): void {
  execFileSync("umount", ["-l", dir]);
  rmSync(dir, { recursive: true, force: true });
}

/** Writes zeros until the disk refuses: ENOSPC for whoever writes next. */
export function fillDisk(path: string): void {
  const fd = openSync(path, "w");
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
  } finally {
    closeSync(fd);
  }
}
