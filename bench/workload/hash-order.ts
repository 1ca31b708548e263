import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";

/** Buckets by a key's first byte: hashes spread evenly, so each holds about 1/256 of the records. */
const BUCKETS = 256;
const BUCKET_BUFFER_BYTES = 256 * 1024;
/** A record in a bucket: key length (2 bytes), value length (4), key, value. */
const HEADER_BYTES = 6;

export interface KeyedRecord {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/**
 * Records keyed by hashes (uniform, at least one byte), added in any order and read back once in
 * key order, in memory that does not grow with their number: each goes to one of 256 files by
 * its key's first byte, and each file is read and sorted in memory in turn. Two records with one
 * key are both kept (key order does not order them). Bounded as long as a 256th of the records
 * fits in memory (a few MB at 10^7 records).
 */
export class HashOrder {
  private readonly files: number[] = [];
  /** Each bucket's records not yet in its file (`filled` bytes of its buffer). */
  private readonly buffers: Buffer[] = [];
  private readonly filled: number[] = [];
  private added = 0;
  private read = false;

  constructor(
    private readonly dir: string,
    /** A bucket's records held in memory before they are appended to its file. */
    private readonly bufferBytes = BUCKET_BUFFER_BYTES,
  ) {
    mkdirSync(dir, { recursive: true });
    for (let b = 0; b < BUCKETS; b++) {
      this.files.push(openSync(this.path(b), "w"));
      this.buffers.push(Buffer.allocUnsafe(bufferBytes));
      this.filled.push(0);
    }
  }

  get size(): number {
    return this.added;
  }

  add(key: Uint8Array, value: Uint8Array): void {
    if (this.read) throw new Error("hash order: add after the records were read");
    if (key.length === 0 || key.length > 0xffff) throw new Error(`hash order: a key of ${key.length} bytes`);
    const bucket = key[0] as number;
    const size = HEADER_BYTES + key.length + value.length;
    if ((this.filled[bucket] as number) + size > this.bufferBytes) this.spill(bucket);
    let buffer = this.buffers[bucket] as Buffer;
    // A record larger than the buffer gets one of its own.
    if (size > buffer.length) buffer = this.buffers[bucket] = Buffer.allocUnsafe(size);
    const at = this.filled[bucket] as number;
    buffer.writeUInt16BE(key.length, at);
    buffer.writeUInt32BE(value.length, at + 2);
    buffer.set(key, at + HEADER_BYTES);
    buffer.set(value, at + HEADER_BYTES + key.length);
    this.filled[bucket] = at + size;
    this.added++;
  }

  /** Every record, in increasing key order; the files are removed as they are read. */
  *sorted(): Generator<KeyedRecord> {
    if (this.read) throw new Error("hash order: the records were read already");
    this.read = true;
    for (let b = 0; b < BUCKETS; b++) {
      this.spill(b);
      closeSync(this.files[b] as number);
    }
    this.buffers.length = 0;
    for (let b = 0; b < BUCKETS; b++) {
      const bytes = readFileSync(this.path(b));
      rmSync(this.path(b));
      const starts: number[] = [];
      for (
        let at = 0;
        at < bytes.length;
        at += HEADER_BYTES + bytes.readUInt16BE(at) + bytes.readUInt32BE(at + 2)
      )
        starts.push(at);
      // Hash keys differ in their first bytes after the bucket's: compare those as a number first.
      const lead = starts.map((at) => {
        const length = bytes.readUInt16BE(at);
        let n = 0;
        for (let i = 1; i < 5; i++) n = n * 256 + (i < length ? (bytes[at + HEADER_BYTES + i] as number) : 0);
        return n;
      });
      const keyOf = (at: number) =>
        bytes.subarray(at + HEADER_BYTES, at + HEADER_BYTES + bytes.readUInt16BE(at));
      const order = starts.map((_, i) => i);
      order.sort(
        (x, y) =>
          (lead[x] as number) - (lead[y] as number) ||
          Buffer.compare(keyOf(starts[x] as number), keyOf(starts[y] as number)),
      );
      for (const i of order) {
        const at = starts[i] as number;
        const keyEnd = at + HEADER_BYTES + bytes.readUInt16BE(at);
        yield {
          key: bytes.subarray(at + HEADER_BYTES, keyEnd),
          value: bytes.subarray(keyEnd, keyEnd + bytes.readUInt32BE(at + 2)),
        };
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Removes the files (when the records are not read). */
  discard(): void {
    if (!this.read) for (const fd of this.files) closeSync(fd);
    this.read = true;
    this.buffers.length = 0;
    rmSync(this.dir, { recursive: true, force: true });
  }

  private spill(bucket: number): void {
    const filled = this.filled[bucket] as number;
    if (filled === 0) return;
    writeSync(this.files[bucket] as number, this.buffers[bucket] as Buffer, 0, filled);
    this.filled[bucket] = 0;
  }

  private path(bucket: number): string {
    return join(this.dir, bucket.toString(16).padStart(2, "0"));
  }
}
