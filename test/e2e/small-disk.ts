import { execFileSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A small tmpfs of `size` (e.g. "8m") to fill; root can mount one, elsewhere the reason it cannot. */
export function mountSmallDisk(size: string): { dir: string } | { reason: string } {
  const dir = mkdtempSync(join(tmpdir(), "mkl-disk-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir], { stdio: "pipe" });
    return { dir };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    return { reason: ((error as { stderr?: Buffer }).stderr?.toString() || (error as Error).message).trim() };
  }
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
