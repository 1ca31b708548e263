import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { crc32 } from "node:zlib";
import type { WalRecord } from "../../consensus/index.js";
import { LedgerError } from "../../errors.js";
import { fromHex, toHex } from "../../ledger/bytes.js";

/**
 * The consensus write-ahead log: one line per record, `crc32 json`, appended and fsynced before
 * the vote or proposal it records is sent. A crash can tear only the last line; reading stops
 * at the first line whose checksum fails. After each commit the log is rewritten to hold only
 * what the next height needs (the commit and the validator-set records), so it stays small.
 */
export class WalFile {
  private fd: number;

  private constructor(private readonly path: string) {
    this.fd = openSync(path, "a");
  }

  /** Opens (or creates) the log and returns it with the records it already holds. */
  static open(path: string): { wal: WalFile; records: WalRecord[] } {
    const records = existsSync(path) ? readRecords(path) : [];
    return { wal: new WalFile(path), records };
  }

  append(record: WalRecord): void {
    writeSync(this.fd, lineOf(record));
    fsyncSync(this.fd);
  }

  /** Replaces the log with `records` atomically (write aside, fsync, rename, fsync the folder). */
  rewrite(records: readonly WalRecord[]): void {
    const temporary = `${this.path}.next`;
    const fd = openSync(temporary, "w");
    try {
      writeSync(fd, records.map(lineOf).join(""));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, this.path);
    const folder = openSync(dirname(this.path), "r");
    try {
      fsyncSync(folder);
    } finally {
      closeSync(folder);
    }
    closeSync(this.fd);
    this.fd = openSync(this.path, "a");
  }

  close(): void {
    closeSync(this.fd);
  }
}

export function walPath(dataDir: string): string {
  return join(dataDir, "consensus.wal");
}

function lineOf(record: WalRecord): string {
  const json = JSON.stringify(record, (_key, value: unknown) => {
    if (typeof value === "bigint") return { $big: value.toString() };
    if (value instanceof Uint8Array) return { $hex: toHex(value) };
    return value;
  });
  return `${crc32(json).toString(16).padStart(8, "0")} ${json}\n`;
}

function parseLine(line: string): WalRecord | undefined {
  const space = line.indexOf(" ");
  if (space !== 8) return undefined;
  const json = line.slice(9);
  if (crc32(json).toString(16).padStart(8, "0") !== line.slice(0, 8)) return undefined;
  return JSON.parse(json, (_key, value: unknown) => {
    if (value !== null && typeof value === "object") {
      const tagged = value as { $big?: string; $hex?: string };
      if (typeof tagged.$big === "string") return BigInt(tagged.$big);
      if (typeof tagged.$hex === "string") return fromHex(tagged.$hex);
    }
    return value;
  }) as WalRecord;
}

function readRecords(path: string): WalRecord[] {
  const records: WalRecord[] = [];
  const lines = readFileSync(path, "utf8").split("\n");
  for (const [index, line] of lines.entries()) {
    if (line === "") continue;
    const record = parseLine(line);
    if (record === undefined) {
      // Only the last line may be torn by a crash; damage before it is not a crash.
      if (lines.slice(index + 1).some((rest) => rest !== "")) {
        throw new LedgerError("WAL_CORRUPT", `the consensus WAL ${path} is damaged at line ${index + 1}`, {
          path,
        });
      }
      break;
    }
    records.push(record);
  }
  return records;
}
