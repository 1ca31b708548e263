import { P2pError } from "./errors.js";

/**
 * Frames on the wire: a u32 big-endian length, then that many bytes. A length of zero or over
 * the limit is an error (the caller closes the link); the limit is checked before any byte of
 * the body is buffered, so a hostile length never allocates.
 */
export const FRAME_HEADER_BYTES = 4;

export function frameHeader(bodyLength: number): Buffer {
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  header.writeUInt32BE(bodyLength, 0);
  return header;
}

/**
 * Reassembles frames from socket chunks. The caller drains next() after every push(), so it
 * holds at most one partial frame plus one chunk: memory is bounded by maxFrameBytes plus the
 * socket's chunk size.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private need = -1; // body length of the frame being read; -1 while reading its header

  constructor(private maxFrameBytes: number) {}

  /** A new bound for the frames still to come (raised once the peer is authenticated). */
  setMaxFrameBytes(max: number): void {
    this.maxFrameBytes = max;
  }

  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Buffers one chunk; read the frames it completes with next(). */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /**
   * The next complete frame body, or undefined if none is buffered yet. One at a time, so a
   * limit raised after a frame (the Hello) applies to the frames behind it in the same chunk.
   * Throws P2pError on a bad length.
   */
  next(): Buffer | undefined {
    if (this.need < 0) {
      if (this.buffered < FRAME_HEADER_BYTES) return undefined;
      const length = this.take(FRAME_HEADER_BYTES).readUInt32BE(0);
      if (length === 0) throw new P2pError("P2P_FRAME_EMPTY", "empty frame");
      if (length > this.maxFrameBytes) {
        throw new P2pError("P2P_FRAME_TOO_LARGE", `frame of ${length} bytes over the limit`, {
          length,
          maxFrameBytes: this.maxFrameBytes,
        });
      }
      this.need = length;
    }
    if (this.buffered < this.need) return undefined;
    const body = this.take(this.need);
    this.need = -1;
    return body;
  }

  /** Removes and returns the first n buffered bytes (n <= buffered). */
  private take(n: number): Buffer {
    const first = this.chunks[0]!;
    let result: Buffer;
    if (first.length >= n) {
      result = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      // A large frame spans thousands of chunks: copy them all, then drop them in one splice.
      result = Buffer.allocUnsafe(n);
      let off = 0;
      let used = 0;
      while (off < n) {
        const c = this.chunks[used]!;
        const k = Math.min(c.length, n - off);
        c.copy(result, off, 0, k);
        off += k;
        if (k === c.length) used++;
        else this.chunks[used] = c.subarray(k);
      }
      this.chunks.splice(0, used);
    }
    this.buffered -= n;
    return result;
  }
}
