import type { ConsensusCore } from "../core/core.js";
import type { CommitCertificate, ConsensusConfig, ConsensusMessage, WalRecord } from "../core/types.js";
import type { Behavior } from "./schedule.js";

const MAX_BUFFERED = 256;
const MAX_BUFFERED_PER_SENDER = 32;

/**
 * One simulated node: the shell around a core. What survives a crash is its disk (the WAL and
 * the block store); the core and every buffer are memory and are lost.
 */
export class SimNode {
  readonly wal: WalRecord[] = [];
  readonly blocks = new Map<number, CommitCertificate>();
  core: ConsensusCore | null = null;
  /** Timeouts from before a crash must not fire into the restarted core. */
  incarnation = 0;
  /** Messages for the next height, replayed once we get there (bounded per sender). */
  nextHeight: { from: number; message: ConsensusMessage }[] = [];
  /** Peers seen sending messages of a height we have decided, and the lowest such height. */
  readonly lagging = new Map<number, number>();
  /** Crash right after the next WAL write (the sends that follow it are lost). */
  crashAfterPersist = false;
  /** (height, round, step) at the last gossip tick: re-gossip only when stuck. */
  lastProgress = "";

  constructor(
    readonly index: number,
    readonly id: string,
    readonly config: ConsensusConfig,
    readonly behaviors: readonly Behavior[] | undefined,
  ) {}

  get correct(): boolean {
    return this.behaviors === undefined;
  }

  has(behavior: Behavior): boolean {
    return this.behaviors?.includes(behavior) ?? false;
  }

  committedHeight(): number {
    let h = this.config.initialHeight - 1;
    while (this.blocks.has(h + 1)) h++;
    return h;
  }

  bufferNextHeight(from: number, message: ConsensusMessage): void {
    if (this.nextHeight.length >= MAX_BUFFERED) return;
    let fromSender = 0;
    for (const b of this.nextHeight) if (b.from === from) fromSender++;
    if (fromSender < MAX_BUFFERED_PER_SENDER) this.nextHeight.push({ from, message });
  }

  crash(): void {
    this.core = null;
    this.incarnation++;
    this.nextHeight = [];
    this.lagging.clear();
    this.lastProgress = "";
    this.crashAfterPersist = false;
  }
}
