import { proposer, type Step, ValidatorSet, type Vote } from "../../consensus/index.js";
import type { Block } from "../../ledger/block.js";
import { toHex } from "../../ledger/bytes.js";
import type { Validator } from "../../ledger/index.js";
import type { EngineObserver } from "../consensus/ports.js";
import type { NodeMetrics } from "../metrics.js";

/** Who voted at one height: validator ids by "round/type". */
type HeightVotes = Map<string, Set<string>>;

/** Most undecided heights whose votes are kept (votes come for this height, the next and the last). */
const MAX_HEIGHTS = 4;

export interface ConsensusFiguresOptions {
  readonly metrics: NodeMetrics;
  /** The validators of a committed height (who could sign its certificate). */
  readonly validatorsAt: (height: bigint) => Validator[];
  /** A readable label for a validator id (hex public key): its name in the set, else a short id. */
  readonly nameOf: (id: string) => string;
  /** The node's clock, for the time spent in each step (a figure, never consensus). */
  readonly nowMs: () => number;
}

/**
 * Consensus figures drawn from facts: proposals made and missed from each committed block's
 * certificate round and the proposer schedule; missing prevotes and precommits from the votes
 * this node saw in the deciding round, counted when the next height is decided, so votes that
 * arrive just after the quorum still count as cast.
 */
export class ConsensusFigures implements EngineObserver {
  private readonly votes = new Map<number, HeightVotes>();
  private undecided: { height: number; round: number } | undefined;
  private lastSet: { key: string; set: ValidatorSet } | undefined;
  /** The step the engine is in, and since when. */
  private step: { name: Step; sinceMs: number } | undefined;

  constructor(private readonly options: ConsensusFiguresOptions) {}

  /** The step before ends (a new step, round or height): its time is observed under its name. */
  readonly stepChanged = ({ step }: { height: number; round: number; step: Step }): void => {
    const now = this.options.nowMs();
    if (this.step !== undefined)
      this.options.metrics.stepSeconds.observe({ step: this.step.name }, (now - this.step.sinceMs) / 1000);
    this.step = { name: step, sinceMs: now };
  };

  readonly proposalBuilt = ({ waitedMs, buildMs }: { waitedMs: number; buildMs: number }): void => {
    this.options.metrics.proposalSeconds.observe({ phase: "wait" }, waitedMs / 1000);
    this.options.metrics.proposalSeconds.observe({ phase: "build" }, buildMs / 1000);
  };

  // Arrow properties: the engine may call a hook detached from this object.
  readonly voted = (vote: Vote): void => {
    let height = this.votes.get(vote.height);
    if (height === undefined) {
      if (this.votes.size >= MAX_HEIGHTS) this.votes.delete(Math.min(...this.votes.keys()));
      height = new Map();
      this.votes.set(vote.height, height);
    }
    const key = `${vote.round}/${vote.type}`;
    const voters = height.get(key) ?? new Set<string>();
    height.set(key, voters);
    voters.add(vote.validator);
  };

  readonly decided = ({ height, round }: { height: number; round: number }): void => {
    if (this.undecided !== undefined && this.undecided.height < height) this.countMissing(this.undecided);
    this.undecided = { height, round };
    for (const h of this.votes.keys()) if (h < height) this.votes.delete(h);
  };

  readonly signatureChecked = (kind: "proposal" | "vote"): void => {
    this.options.metrics.consensusSignatureChecks.inc({ kind });
  };

  readonly ticked = (): void => {
    this.options.metrics.ticks.inc();
  };

  readonly synced = ({ blocks }: { blocks: number }): void => {
    this.options.metrics.blocksSynced.inc(blocks);
  };

  readonly backfilled = ({ blocks }: { blocks: number }): void => {
    this.options.metrics.blocksBackfilled.inc(blocks);
  };

  /** The set of a height, rebuilt only when it changes (the proposer schedule is cached per set). */
  private validatorSet(height: bigint): ValidatorSet {
    const validators = this.options
      .validatorsAt(height)
      .map((v) => ({ id: toHex(v.publicKey), power: v.power }));
    const key = validators.map((v) => `${v.id}:${v.power}`).join(",");
    if (this.lastSet?.key !== key) this.lastSet = { key, set: new ValidatorSet(validators) };
    return this.lastSet.set;
  }

  private countMissing(decision: { height: number; round: number }): void {
    const seen = this.votes.get(decision.height);
    for (const v of this.options.validatorsAt(BigInt(decision.height))) {
      const id = toHex(v.publicKey);
      for (const type of ["prevote", "precommit"] as const) {
        if (seen?.get(`${decision.round}/${type}`)?.has(id) !== true)
          this.options.metrics.missingVotes.inc({ validator: this.options.nameOf(id), type });
      }
    }
    this.votes.delete(decision.height);
  }

  /** A committed block (decided here or synced): rounds needed, and who proposed or failed to. */
  blockCommitted(block: Block): void {
    const round = block.commit?.round ?? 0;
    const height = block.header.height;
    const { metrics } = this.options;
    metrics.roundsPerHeight.observe(round + 1);
    if (round > 0) metrics.roundChanges.inc(round);
    const set = this.validatorSet(height);
    for (let r = 0; r <= round; r++) {
      const id = proposer(set, Number(height), r);
      metrics.proposals.inc({ validator: this.options.nameOf(id), result: r === round ? "made" : "missed" });
    }
  }
}

/** The hooks of an observer, each one unable to throw into the engine: a figure must never stop consensus. */
export function guarded(observer: EngineObserver, onError: (error: unknown) => void): EngineObserver {
  const out: Record<string, unknown> = {};
  for (const [name, hook] of Object.entries(observer)) {
    if (typeof hook !== "function") continue;
    out[name] = (...args: unknown[]) => {
      try {
        (hook as (...a: unknown[]) => void)(...args);
      } catch (error) {
        onError(error);
      }
    };
  }
  return out;
}
