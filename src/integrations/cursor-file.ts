import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from "node:fs";
import { dirname } from "node:path";

/**
 * The last block an integration finished, in a file replaced atomically (write, fsync, rename),
 * so after a crash it resumes from the block after it: that block and any after are handled
 * again, which the handlers make harmless (idempotent calls, de-duplication by event id).
 */
export class CursorFile {
  constructor(private readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
  }

  read(): bigint | undefined {
    if (!existsSync(this.path)) return undefined;
    return BigInt((JSON.parse(readFileSync(this.path, "utf8")) as { height: string }).height);
  }

  /** The height to follow from. */
  next(): bigint {
    return (this.read() ?? -1n) + 1n;
  }

  write(height: bigint): void {
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, "w");
    try {
      // writeFileSync loops until every byte is written (a bare writeSync may write fewer).
      writeFileSync(fd, JSON.stringify({ height: height.toString() }));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
  }
}
