import type { Vote } from "../../../consensus/index.js";
import { SimulationFailure } from "../../../consensus/sim/checker.js";
import { toHex } from "../../../ledger/bytes.js";
import type { ChainStorage } from "../../../storage/storage.js";
import type { CommittedBlock } from "../../chain.js";

export { SimulationFailure };

/**
 * What must hold on every honest node after every step of the simulation:
 * - agreement: no two honest nodes commit different blocks at a height;
 * - each node commits heights in order, once;
 * - the same state root everywhere for a height, the one its header names, in the store too;
 * - the same stored block (with its commit certificate) for every height but a node's newest;
 * - no honest node signs two different votes for one (height, round, type), across restarts.
 * Liveness (commits resume after GST) is the simulator's: it knows the clock.
 */
export class EngineChecker {
  private readonly blockHashes = new Map<bigint, string>();
  private readonly stateRoots = new Map<bigint, string>();
  private readonly storedBlocks = new Map<bigint, string>();
  private readonly heads = new Map<number, bigint>();
  private readonly signed = new Map<string, string>();

  onCommit(node: number, committed: CommittedBlock, store: ChainStorage): void {
    const { header } = committed.block;
    const height = header.height;
    const previous = this.heads.get(node);
    if (previous !== undefined && height !== previous + 1n)
      fail("in-order", `node ${node} committed height ${height} after ${previous}`, { node });
    this.heads.set(node, height);
    agree(
      this.blockHashes,
      height,
      toHex(committed.hash),
      "agreement",
      `node ${node} committed another block`,
    );
    const root = toHex(header.stateRoot);
    agree(this.stateRoots, height, root, "state-root", `node ${node} has another state root`);
    const stored = store.stateRootAt(height);
    if (stored === undefined || toHex(stored) !== root)
      fail("state-root", `node ${node} stored a state root its header does not name`, { node, height });
    // The block before is final now, with the certificate this block's proposer carried.
    if (height > 1n) {
      const bytes = store.getBlock(height - 1n);
      if (bytes === undefined) fail("stored-block", `node ${node} lost block ${height - 1n}`, { node });
      agree(
        this.storedBlocks,
        height - 1n,
        toHex(bytes),
        "stored-block",
        `node ${node} stores another block or certificate`,
      );
    }
  }

  /** A vote an honest node signed (seen as it leaves the node). */
  onSignedVote(node: number, vote: Vote): void {
    const key = `${vote.validator}/${vote.height}/${vote.round}/${vote.type}`;
    const value = vote.valueId ?? "nil";
    const earlier = this.signed.get(key);
    if (earlier !== undefined && earlier !== value)
      fail("no-double-sign", `node ${node} signed ${vote.type} ${value} after ${earlier}`, {
        node,
        height: vote.height,
        round: vote.round,
      });
    this.signed.set(key, value);
  }

  /** The lowest head of the given nodes. */
  lowestHead(nodes: readonly number[]): bigint {
    let lowest: bigint | undefined;
    for (const node of nodes) {
      const head = this.heads.get(node) ?? 0n;
      if (lowest === undefined || head < lowest) lowest = head;
    }
    return lowest ?? 0n;
  }

  head(node: number): bigint {
    return this.heads.get(node) ?? 0n;
  }
}

function agree(
  seen: Map<bigint, string>,
  height: bigint,
  value: string,
  property: string,
  message: string,
): void {
  const first = seen.get(height);
  if (first === undefined) seen.set(height, value);
  else if (first !== value) fail(property, `${message} at height ${height}`, { height: height.toString() });
}

function fail(property: string, message: string, details: Record<string, unknown>): never {
  throw new SimulationFailure(property, message, details);
}
