import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Debian's libfaketime (package faketime), the multi-threaded build: node runs threads. */
const LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1";

/**
 * A skewable wall clock for one node process: libfaketime preloaded into it reads the offset
 * from a file at most once a second, so the harness moves the node's clock while it runs. Only
 * the wall clock moves (what `src/clock.ts` reads); the monotonic clock behind timers does not,
 * as when NTP steps a real machine's clock.
 */
export class ClockSkew {
  private readonly file: string;

  private constructor(dir: string) {
    this.file = join(dir, "faketime.offset");
    this.set(0);
  }

  /** A skew file in `dir`, or why there can be none (libfaketime missing). */
  static create(dir: string): ClockSkew | { reason: string } {
    if (!existsSync(LIBFAKETIME)) return { reason: `no ${LIBFAKETIME} (apt-get install faketime)` };
    return new ClockSkew(dir);
  }

  /** The environment that puts the node's clock under this skew. */
  env(): Record<string, string> {
    return {
      LD_PRELOAD: LIBFAKETIME,
      FAKETIME_TIMESTAMP_FILE: this.file,
      FAKETIME_CACHE_DURATION: "1",
      FAKETIME_DONT_FAKE_MONOTONIC: "1",
    };
  }

  /** The node's wall clock runs `seconds` ahead of the machine's (behind when negative). */
  set(seconds: number): void {
    writeFileSync(this.file, `${seconds >= 0 ? "+" : ""}${seconds}s\n`);
  }
}
