import type { ChildProcess } from "node:child_process";
import { stopChild } from "../../src/ops/network-up.js";

/**
 * Everything a soak run holds that would outlive it: node processes, proxies, a network
 * namespace, a tmpfs, its directory. `close` undoes it all, last made first, and every way out of
 * a run calls it: the end of the run, its deadline, the test file's afterAll. If the process
 * exits first, the node processes are killed and the synchronous undos (unmount, namespace) run
 * in its exit handler; what a run killed outright leaves, the next run's sweep removes
 * (`removeSoakLeftovers`). Once closed, whatever the run still starts is undone at once.
 */
export class SoakScope {
  private readonly undos: Array<{ what: string; undo: () => void | Promise<void>; sync: boolean }> = [];
  private readonly children = new Set<ChildProcess>();
  private closing: Promise<void> | undefined;
  private readonly onExit = () => {
    for (const child of this.children) child.kill("SIGKILL");
    for (const { undo, sync } of this.undos.reverse()) if (sync) void undo();
  };

  constructor() {
    process.once("exit", this.onExit);
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  /** Throws once the scope is closed: the run is over, nothing more may be applied. */
  ensureOpen(): void {
    if (this.closed) throw new SoakClosed();
  }

  /** A node process of the run: stopped by close (killed at once if the scope is closed already). */
  track(child: ChildProcess): ChildProcess {
    if (this.closed) child.kill("SIGKILL");
    else this.children.add(child);
    return child;
  }

  /**
   * `undo` runs at close (at once if closed already). `sync`: it is synchronous and safe in an
   * exit handler, so it runs even when the process exits before close.
   */
  defer(what: string, undo: () => void | Promise<void>, sync = false): void {
    if (this.closed) void settle(what, undo);
    else this.undos.push({ what, undo, sync });
  }

  /** Stops every node process, then undoes the rest in reverse order (an undo that fails is logged, the rest still run). */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.children].map((child) => stopChild(child)));
      this.children.clear();
      for (const { what, undo } of this.undos.reverse()) await settle(what, undo);
      this.undos.length = 0;
      process.removeListener("exit", this.onExit);
    })();
    return this.closing;
  }
}

export class SoakClosed extends Error {
  constructor() {
    super("the soak was stopped");
  }
}

/** One undo, whatever it throws: the others must run all the same. */
async function settle(what: string, undo: () => void | Promise<void>): Promise<void> {
  try {
    await undo();
  } catch (error) {
    console.error(`soak clean-up: ${what} failed: ${(error as Error).message}`);
  }
}
