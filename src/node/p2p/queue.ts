import { FRAME_HEADER_BYTES } from "./frame.js";

/**
 * The outbound queue of one peer, bounded in bytes. It holds frames only while the socket is
 * backed up (write() returned false): the write pump moves frames to the socket until then.
 *
 * Policy when a new message does not fit:
 * 1. evict the oldest low-priority messages until it fits;
 * 2. if it still does not fit, a low-priority message is rejected, and a high-priority one
 *    is an overflow: the peer is not even taking its consensus messages, so the transport
 *    drops the link (and the queue with it) and reconnects later.
 * An empty queue always takes one message (at most maxFrameBytes), so a block larger than the
 * queue bound can still be sent.
 */
export type Priority = "high" | "low";
export type PushResult = "queued" | "rejected" | "overflow";

/** A FIFO with O(1) shift that compacts its backing array now and then. */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head]!;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}

export class OutboundQueue {
  private readonly high = new Fifo<Uint8Array>();
  private readonly low = new Fifo<Uint8Array>();
  private queuedBytes = 0;
  private dropped = 0;

  constructor(readonly maxBytes: number) {}

  get bytes(): number {
    return this.queuedBytes;
  }

  get length(): number {
    return this.high.length + this.low.length;
  }

  /** Messages evicted or rejected since the start. */
  get droppedMessages(): number {
    return this.dropped;
  }

  push(body: Uint8Array, priority: Priority): PushResult {
    const size = body.length + FRAME_HEADER_BYTES;
    while (this.queuedBytes + size > this.maxBytes && this.low.length > 0) {
      const evicted = this.low.shift()!;
      this.queuedBytes -= evicted.length + FRAME_HEADER_BYTES;
      this.dropped++;
    }
    if (this.queuedBytes + size > this.maxBytes && this.length > 0) {
      this.dropped++;
      return priority === "low" ? "rejected" : "overflow";
    }
    (priority === "high" ? this.high : this.low).push(body);
    this.queuedBytes += size;
    return "queued";
  }

  /** The next frame body to write: high priority first, FIFO within a priority. */
  shift(): Uint8Array | undefined {
    const body = this.high.shift() ?? this.low.shift();
    if (body !== undefined) this.queuedBytes -= body.length + FRAME_HEADER_BYTES;
    return body;
  }

  clear(): void {
    this.high.clear();
    this.low.clear();
    this.queuedBytes = 0;
  }
}
