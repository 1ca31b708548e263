import type { Proposal, Vote } from "../../consensus/index.js";

/** A correct validator sends at most a proposal and two votes per round; this leaves room for a few rounds. */
const MAX_PER_SENDER = 32;
const MAX_TOTAL = 4_096;

export type BufferedMessage =
  | { readonly kind: "proposal"; readonly proposal: Proposal }
  | { readonly kind: "vote"; readonly vote: Vote };

/**
 * Messages for the height after ours, signature already checked, kept until we get there: the
 * core ignores other heights, so without this a validator a step behind would lose the next
 * proposal until its proposer re-sent it. Bounded per signer and in total.
 */
export class NextHeightBuffer {
  private height = -1;
  private readonly bySender = new Map<string, BufferedMessage[]>();
  private size = 0;

  constructor(
    private readonly maxPerSender = MAX_PER_SENDER,
    private readonly maxTotal = MAX_TOTAL,
  ) {}

  /** Keeps `message` of `height` signed by `sender`; false if over a bound (it is dropped). */
  add(height: number, sender: string, message: BufferedMessage): boolean {
    if (height !== this.height) {
      if (height < this.height) return false;
      this.clear();
      this.height = height;
    }
    const kept = this.bySender.get(sender) ?? [];
    if (kept.length >= this.maxPerSender || this.size >= this.maxTotal) return false;
    kept.push(message);
    this.bySender.set(sender, kept);
    this.size++;
    return true;
  }

  /** Everything kept for `height`, in arrival order per signer; the buffer is empty afterwards. */
  take(height: number): BufferedMessage[] {
    const taken = height === this.height ? [...this.bySender.values()].flat() : [];
    this.clear();
    return taken;
  }

  get count(): number {
    return this.size;
  }

  private clear(): void {
    this.bySender.clear();
    this.size = 0;
  }
}
