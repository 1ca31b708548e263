import {
  closeSync,
  existsSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { crc32 } from "node:zlib";
import type { WalRecord } from "../../consensus/index.js";
import { LedgerError } from "../../errors.js";
import { fromHex } from "../../ledger/bytes.js";

/** The file system calls the WAL makes; tests inject failures through this. */
export interface WalFs {
  openSync(path: string, flags: string): number;
  /** Writes some of `data` (perhaps not all: a short write) and says how many bytes. */
  writeSync(fd: number, data: Uint8Array): number;
  fsyncSync(fd: number): void;
  ftruncateSync(fd: number, length: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  unlinkSync(path: string): void;
  existsSync(path: string): boolean;
  readFileSync(path: string, encoding: "utf8"): string;
}

const NODE_FS: WalFs = {
  openSync,
  writeSync,
  fsyncSync,
  ftruncateSync,
  closeSync,
  renameSync,
  unlinkSync,
  existsSync,
  readFileSync,
};

/** The WAL could not be written: the node must stop, since a vote it sends might not be logged. */
export class WalError extends LedgerError {}

/** Past this size a checkpoint rewrites the file (rename, fsyncs) instead of appending to it. */
const COMPACT_BYTES = 8 * 1024 * 1024;

export interface WalFileOptions {
  /** The size past which a checkpoint rewrites the file (default 8 MiB). */
  readonly compactBytes?: number;
}

/**
 * The consensus write-ahead log: one line per record, `crc32 json`, appended and fsynced before
 * the vote or proposal it records is sent (the records of one step together, one fsync). A
 * crash can tear only the last line; reading stops at the first line whose checksum fails, and
 * opening cuts such a torn tail off before anything is appended after it (else the next append
 * would leave it in the middle, where it reads as damage).
 *
 * After each commit the log is to hold only what the next height needs (a checkpoint). That is
 * a marker line and the records, written with the next append (one write, one fsync): the
 * reader keeps what follows the last marker. Once the file passes COMPACT_BYTES, a checkpoint
 * rewrites it instead (written aside, renamed over it), so it stays small. Before, every commit
 * rewrote the file: two fsyncs, a rename and the folder's fsync on the consensus path.
 *
 * Fail-stop: after any failed write, fsync, open or rename the WalFile refuses every later call
 * with the same WAL_FAILED error, so nothing is ever appended where it would not be read back.
 */
export class WalFile {
  private fd: number | undefined;
  private failure: WalError | undefined;
  /** A checkpoint's lines, written ahead of the next append's. */
  private pendingCheckpoint = "";

  private constructor(
    private readonly path: string,
    private readonly fs: WalFs,
    /** Bytes in the file's intact lines (compaction is decided by it). */
    private bytes: number,
    private readonly compactBytes: number,
    /** The file holds a torn tail after its intact lines: cut it off first. */
    tornTail: boolean,
  ) {
    try {
      this.fd = fs.openSync(path, "a");
      if (tornTail) {
        // The torn line's write never returned, so its vote was never sent: it may go.
        fs.ftruncateSync(this.fd, bytes);
        fs.fsyncSync(this.fd);
      }
    } catch (err) {
      throw this.fail(tornTail ? "have its torn last line cut off" : "be opened", err);
    }
  }

  /** Opens (or creates) the log and returns it with the records it already holds. */
  static open(
    path: string,
    fs: WalFs = NODE_FS,
    options: WalFileOptions = {},
  ): { wal: WalFile; records: WalRecord[] } {
    // A rewrite that stopped before its rename leaves its temporary file; the log is the old one.
    if (fs.existsSync(temporaryOf(path))) fs.unlinkSync(temporaryOf(path));
    const text = fs.existsSync(path) ? fs.readFileSync(path, "utf8") : "";
    const { records, intact } = readRecords(text, path);
    const intactBytes = Buffer.byteLength(intact);
    const wal = new WalFile(
      path,
      fs,
      intactBytes,
      options.compactBytes ?? COMPACT_BYTES,
      intactBytes < Buffer.byteLength(text),
    );
    return { wal, records };
  }

  /** Appends the records (after a pending checkpoint) in one write, and fsyncs once. */
  append(records: readonly WalRecord[]): void {
    const fd = this.usable();
    const text = this.pendingCheckpoint + records.map(lineOf).join("");
    if (text === "") return;
    try {
      this.writeAll(fd, text);
      this.fs.fsyncSync(fd);
    } catch (err) {
      throw this.fail("be appended to", err);
    }
    this.pendingCheckpoint = "";
    this.bytes += Buffer.byteLength(text);
  }

  /** See ConsensusWal.checkpoint: written with the next append, or a rewrite once the file is large. */
  checkpoint(records: readonly WalRecord[]): void {
    this.usable();
    if (this.bytes >= this.compactBytes) this.rewrite(records);
    else this.pendingCheckpoint = CHECKPOINT_LINE + records.map(lineOf).join("");
  }

  /**
   * Replaces the log with `records` atomically: written aside and fsynced, renamed over the log,
   * then the folder fsynced. The descriptor appends go to is the one opened on the new file
   * before the rename, so no reopening can fail after it and leave appends going to the
   * replaced file.
   */
  rewrite(records: readonly WalRecord[]): void {
    const old = this.usable();
    const temporary = temporaryOf(this.path);
    let fd: number | undefined;
    try {
      fd = this.fs.openSync(temporary, "w");
      this.writeAll(fd, records.map(lineOf).join(""));
      this.fs.fsyncSync(fd);
      this.fs.renameSync(temporary, this.path);
    } catch (err) {
      if (fd !== undefined) this.closeQuietly(fd);
      throw this.fail("be rewritten", err);
    }
    this.fd = fd;
    this.pendingCheckpoint = "";
    this.bytes = Buffer.byteLength(records.map(lineOf).join(""));
    this.closeQuietly(old);
    try {
      const folder = this.fs.openSync(dirname(this.path), "r");
      try {
        this.fs.fsyncSync(folder);
      } finally {
        this.closeQuietly(folder);
      }
    } catch (err) {
      throw this.fail("have its rename made durable", err);
    }
  }

  /** A checkpoint not yet written is dropped: the records it replaces are ignored at restart. */
  close(): void {
    if (this.fd !== undefined) this.closeQuietly(this.fd);
    this.fd = undefined;
  }

  /**
   * write(2) may write less than it was given (a disk nearly full): the rest goes in further
   * writes, so an fsync never makes a record durable with its tail missing.
   */
  private writeAll(fd: number, text: string): void {
    const data = Buffer.from(text);
    for (let offset = 0; offset < data.length; ) {
      const written = this.fs.writeSync(fd, data.subarray(offset));
      if (written <= 0)
        throw Object.assign(new Error("write wrote nothing"), { code: "EIO", syscall: "write" });
      offset += written;
    }
  }

  private usable(): number {
    if (this.failure !== undefined) throw this.failure;
    if (this.fd === undefined) throw new WalError("WAL_CLOSED", `the consensus WAL ${this.path} is closed`);
    return this.fd;
  }

  private fail(what: string, cause: unknown): WalError {
    const { code, syscall, message } = cause as NodeJS.ErrnoException;
    this.failure = new WalError(
      "WAL_FAILED",
      `the consensus WAL ${this.path} could not ${what}: ${message}`,
      {
        path: this.path,
        errno: code,
        syscall,
      },
    );
    this.close();
    return this.failure;
  }

  private closeQuietly(fd: number): void {
    try {
      this.fs.closeSync(fd);
    } catch {
      // Nothing was written through it after the last fsync: closing cannot lose a record.
    }
  }
}

function temporaryOf(path: string): string {
  return `${path}.next`;
}

export function walPath(dataDir: string): string {
  return join(dataDir, "consensus.wal");
}

function lineOf(record: WalRecord): string {
  return checkedLine(
    JSON.stringify(record, (_key, value: unknown) => {
      if (typeof value === "bigint") return { $big: value.toString() };
      // Node's own hex (the same text as toHex): a proposal's payload is a whole block, and
      // toHex, plain JS for the browser, took ~2 ms of CPU for 70 KB against Buffer's ~0.2.
      if (value instanceof Uint8Array)
        return { $hex: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex") };
      return value;
    }),
  );
}

function checkedLine(json: string): string {
  return `${crc32(json).toString(16).padStart(8, "0")} ${json}\n`;
}

/** The marker a checkpoint starts with: the reader drops every record before it. */
const CHECKPOINT_JSON = '{"$checkpoint":1}';
const CHECKPOINT_LINE = checkedLine(CHECKPOINT_JSON);

function parseLine(line: string): WalRecord | typeof CHECKPOINT | undefined {
  const space = line.indexOf(" ");
  if (space !== 8) return undefined;
  const json = line.slice(9);
  if (crc32(json).toString(16).padStart(8, "0") !== line.slice(0, 8)) return undefined;
  if (json === CHECKPOINT_JSON) return CHECKPOINT;
  return JSON.parse(json, (_key, value: unknown) => {
    if (value !== null && typeof value === "object") {
      const tagged = value as { $big?: string; $hex?: string };
      if (typeof tagged.$big === "string") return BigInt(tagged.$big);
      if (typeof tagged.$hex === "string") return fromHex(tagged.$hex);
    }
    return value;
  }) as WalRecord;
}

const CHECKPOINT = Symbol("checkpoint");

/**
 * The records the log holds, and its intact text: every whole line up to a torn last one. A last
 * line without its newline is torn too, whatever its checksum: its write did not return.
 */
function readRecords(text: string, path: string): { records: WalRecord[]; intact: string } {
  let records: WalRecord[] = [];
  const lines = text.split("\n");
  let intactLength = 0;
  for (const [index, line] of lines.entries()) {
    const isLast = index === lines.length - 1;
    if (line === "") {
      if (!isLast) intactLength += 1;
      continue;
    }
    const record = isLast ? undefined : parseLine(line);
    if (record === undefined) {
      // Only the last line may be torn by a crash; damage before it is not a crash.
      if (lines.slice(index + 1).some((rest) => rest !== "")) {
        throw new LedgerError("WAL_CORRUPT", `the consensus WAL ${path} is damaged at line ${index + 1}`, {
          path,
        });
      }
      break;
    }
    intactLength += line.length + 1;
    if (record === CHECKPOINT) records = [];
    else records.push(record);
  }
  return { records, intact: text.slice(0, intactLength) };
}
