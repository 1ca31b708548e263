import { WebSocket } from "ws";
import { messageText } from "../../src/sdk/events.js";

/** One transaction result as the node's event stream reports it. */
export interface ObservedResult {
  readonly code: string;
  readonly events: ReadonlyArray<{ type: string; attributes: Record<string, string> }>;
}

interface BlockMessage {
  type: string;
  header: { height: string; timeMs: string };
  txHashes: string[];
  results: ObservedResult[];
  endBlockEvents: ObservedResult["events"];
}

/** Tells a workload when each of its transactions committed, and with what result. */
export interface CommitSource {
  onCommit(hash: string, callback: (result: ObservedResult) => void): void;
}

/** What one committed block looked like, as seen from the load generator. */
export interface ObservedBlock {
  readonly height: number;
  readonly seenAtMs: number;
  readonly txs: number;
  /** Events the block emitted by itself at its end (completions by block time and their settlements). */
  readonly endBlockEvents: number;
  readonly settlements: number;
  readonly completions: number;
}

/**
 * Follows one node's WebSocket event stream and records when each transaction committed and
 * with what result. Times are this process's monotonic clock (performance.now), so submit and
 * commit times compare directly.
 */
export class CommitObserver implements CommitSource {
  readonly committedAt = new Map<string, number>();
  readonly results = new Map<string, ObservedResult>();
  readonly blocks: ObservedBlock[] = [];
  private readonly waiters = new Map<string, Array<(r: ObservedResult) => void>>();
  private socket: WebSocket | undefined;

  async connect(apiUrl: string): Promise<void> {
    const socket = new WebSocket(`${apiUrl.replace(/^http/, "ws")}/v1/events`);
    await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
    socket.on("message", (data) => this.onBlock(JSON.parse(messageText(data)) as BlockMessage));
    this.socket = socket;
  }

  private onBlock(message: BlockMessage): void {
    if (message.type !== "block") return;
    const now = performance.now();
    let settlements = 0;
    let completions = 0;
    const count = (events: ObservedResult["events"]) => {
      for (const e of events) {
        if (e.type === "commissionSettled") settlements++;
        else if (e.type === "orderCompleted") completions++;
      }
    };
    count(message.endBlockEvents);
    message.txHashes.forEach((hash, i) => {
      const result = message.results[i] ?? { code: "UNKNOWN", events: [] };
      count(result.events);
      this.committedAt.set(hash, now);
      this.results.set(hash, result);
      const waiting = this.waiters.get(hash);
      if (waiting) {
        this.waiters.delete(hash);
        for (const w of waiting) w(result);
      }
    });
    this.blocks.push({
      height: Number(message.header.height),
      seenAtMs: now,
      txs: message.txHashes.length,
      endBlockEvents: message.endBlockEvents.length,
      settlements,
      completions,
    });
  }

  /** Calls back once the transaction commits (at once if it already has). */
  onCommit(hash: string, callback: (result: ObservedResult) => void): void {
    const known = this.results.get(hash);
    if (known) {
      callback(known);
      return;
    }
    const waiting = this.waiters.get(hash);
    if (waiting) waiting.push(callback);
    else this.waiters.set(hash, [callback]);
  }

  /** Waits until `done()` holds or `timeoutMs` passes; resolves with whether it held. */
  async until(done: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (!done()) {
      if (performance.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return true;
  }

  close(): void {
    this.socket?.close();
  }
}
