import { closeSync, fsyncSync, openSync, readSync, writeSync } from "node:fs";
import { validatorSetCodec } from "../app/genesis.js";
import { LedgerError } from "../errors.js";
import { blockHeaderCodec, commitCertificateCodec } from "../ledger/block.js";
import { bytes, type CodecType, decode, encode, list, string, struct, u64 } from "../ledger/codec.js";
import { MAX_STATE_KEY_BYTES, MAX_STATE_VALUE_BYTES } from "../ledger/state/nodes.js";

/**
 * The snapshot file, read and written as a stream so that memory does not grow with the state:
 * a length-prefixed header (block H with its certificate, the validator-set changes up to it),
 * then each state entry as its own length-prefixed record in tree order, then a zero length
 * and the number of entries (a file cut short is told apart from a complete one).
 */
export class SnapshotError extends LedgerError {}

export const SNAPSHOT_FORMAT = "marketledger-snapshot/2";
const MAX_HEADER_BYTES = 256 * 1024 * 1024;
const CHUNK_BYTES = 1024 * 1024;

const certifiedHeaderCodec = struct({ header: blockHeaderCodec, commit: commitCertificateCodec });
const setChangeCodec = struct({
  /** The block whose header names the new set as the next one; it is signed by the old set. */
  announced: certifiedHeaderCodec,
  validators: validatorSetCodec,
});
export const snapshotHeaderCodec = struct({
  magic: string(64),
  chainId: string(64),
  height: u64,
  /** Block H, encoded, with its commit certificate. */
  block: bytes(64 * 1024 * 1024),
  setChanges: list(setChangeCodec, 100_000),
});
export type SnapshotHeader = CodecType<typeof snapshotHeaderCodec>;
export const snapshotEntryCodec = struct({
  key: bytes(MAX_STATE_KEY_BYTES),
  value: bytes(MAX_STATE_VALUE_BYTES),
});
export type SnapshotEntry = CodecType<typeof snapshotEntryCodec>;
const MAX_ENTRY_BYTES = 8 + MAX_STATE_KEY_BYTES + MAX_STATE_VALUE_BYTES;

const malformed = (why: string) => new SnapshotError("SNAPSHOT_MALFORMED", `snapshot refused: ${why}`);

function u32(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
}

/** Appends to a file descriptor through a fixed buffer. */
class Sink {
  private readonly buffer = new Uint8Array(CHUNK_BYTES);
  private used = 0;
  written = 0;

  constructor(private readonly fd: number) {}

  write(data: Uint8Array): void {
    if (this.used + data.length > this.buffer.length) this.flush();
    if (data.length > this.buffer.length) this.writeAll(data, data.length);
    else {
      this.buffer.set(data, this.used);
      this.used += data.length;
    }
    this.written += data.length;
  }

  record(body: Uint8Array): void {
    this.write(u32(body.length));
    this.write(body);
  }

  flush(): void {
    this.writeAll(this.buffer, this.used);
    this.used = 0;
  }

  /** writeSync may write less than asked: on until all `length` bytes are out. */
  private writeAll(data: Uint8Array, length: number): void {
    let at = 0;
    while (at < length) at += writeSync(this.fd, data, at, length - at);
  }
}

/** Writes a snapshot file (fsynced) and returns its size and number of entries. */
export function writeSnapshotFile(
  path: string,
  header: SnapshotHeader,
  entries: Iterable<SnapshotEntry>,
): { bytes: number; entries: number } {
  const fd = openSync(path, "w", 0o644);
  try {
    const sink = new Sink(fd);
    sink.record(encode(snapshotHeaderCodec, header));
    let count = 0n;
    for (const entry of entries) {
      sink.record(encode(snapshotEntryCodec, entry));
      count++;
    }
    sink.write(u32(0));
    sink.write(encode(u64, count));
    sink.flush();
    fsyncSync(fd);
    return { bytes: sink.written, entries: Number(count) };
  } finally {
    closeSync(fd);
  }
}

/** Reads a file descriptor through a buffer that grows only to the largest record. */
class Source {
  private buffer = new Uint8Array(CHUNK_BYTES);
  private start = 0;
  private end = 0;

  constructor(private readonly fd: number) {}

  /** Whether `n` more bytes are there (reading on as needed). */
  private fill(n: number): boolean {
    if (this.end - this.start >= n) return true;
    if (this.start + n > this.buffer.length) {
      // Move what is left to the front; a record larger than the buffer gets a larger one.
      if (n > this.buffer.length) {
        const larger = new Uint8Array(n + CHUNK_BYTES);
        larger.set(this.buffer.subarray(this.start, this.end));
        this.buffer = larger;
      } else this.buffer.copyWithin(0, this.start, this.end);
      this.end -= this.start;
      this.start = 0;
    }
    while (this.end - this.start < n) {
      const got = readSync(this.fd, this.buffer, this.end, this.buffer.length - this.end, null);
      if (got === 0) return false;
      this.end += got;
    }
    return true;
  }

  read(n: number): Uint8Array {
    if (!this.fill(n)) throw malformed("the file ends early (cut short?)");
    const out = this.buffer.slice(this.start, this.start + n);
    this.start += n;
    return out;
  }

  u32(): number {
    const b = this.read(4);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0);
  }

  atEnd(): boolean {
    return !this.fill(1);
  }
}

function decodeRecord<T>(codec: Parameters<typeof decode<T>>[0], body: Uint8Array, what: string): T {
  try {
    return decode(codec, body);
  } catch (error) {
    if (!(error instanceof LedgerError)) throw error;
    throw malformed(`${what} does not decode (${error.message})`);
  }
}

export interface SnapshotReader {
  readonly header: SnapshotHeader;
  /** The entries in file order, once; the end is checked (count, nothing after it). */
  entries(): Generator<SnapshotEntry>;
  close(): void;
}

/** Opens a snapshot file and reads its header; SnapshotError when it is not one. */
export function openSnapshotFile(path: string): SnapshotReader {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (error) {
    throw new SnapshotError("SNAPSHOT_UNREADABLE", `cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    const source = new Source(fd);
    const length = source.atEnd() ? 0 : source.u32();
    if (length === 0 || length > MAX_HEADER_BYTES) throw malformed("not a snapshot file");
    const header = decodeRecord(snapshotHeaderCodec, source.read(length), "not a snapshot file: its header");
    if (header.magic !== SNAPSHOT_FORMAT)
      throw malformed(`not a snapshot file of this version (format ${header.magic})`);
    return {
      header,
      *entries() {
        let count = 0n;
        for (;;) {
          const size = source.u32();
          if (size === 0) break;
          if (size > MAX_ENTRY_BYTES) throw malformed(`entry ${count} claims ${size} bytes`);
          yield decodeRecord(snapshotEntryCodec, source.read(size), `entry ${count}`);
          count++;
        }
        const stated = decodeRecord(u64, source.read(8), "its entry count");
        if (stated !== count) throw malformed(`it says ${stated} entries and holds ${count}`);
        if (!source.atEnd()) throw malformed("bytes follow its last entry");
      },
      close: () => closeSync(fd),
    };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}
