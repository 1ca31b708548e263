import { describe, expect, it } from "vitest";
import { broadcasts, config, Driver, kinds, proposal, sentVotes, value } from "./testHarness.js";
import type { Effect, WalRecord } from "./types.js";
import { restore } from "./wal.js";

const OTHERS = ["v1", "v2", "v3"];
const A = value("aa");
const B = value("bb");

function walOf(effects: readonly Effect[]): WalRecord[] {
  return effects.flatMap((e) => (e.kind === "persist" ? [e.record] : []));
}

/** Run a driver, keeping every persisted record as the disk would. */
class Recorder {
  readonly wal: WalRecord[] = [];
  constructor(readonly d: Driver) {}
  run(effects: Effect[]): Effect[] {
    this.wal.push(...walOf(effects));
    return effects;
  }
}

describe("restore from the WAL", () => {
  it("re-sends the persisted prevote and never signs a different one for that (h, round, type)", () => {
    const r = new Recorder(new Driver("v0"));
    r.run(r.d.start());
    r.run(r.d.validProposal(proposal(1, 0, A)));
    const signed = r.wal.find((rec) => rec.kind === "vote");
    expect(signed).toMatchObject({ vote: { type: "prevote", round: 0, valueId: A.valueId } });

    const restarted = new Driver(restore(config("v0"), r.wal));
    const resumed = restarted.start();
    expect(kinds(resumed)).not.toContain("persist:vote");
    expect(sentVotes(resumed)).toEqual([signed?.kind === "vote" ? signed.vote : null]);
    expect(restarted.core.snapshot()).toMatchObject({ height: 1, round: 0, step: "prevote" });
    // The propose timeout of round 0 fires again after the restart: nothing new is signed.
    expect(restarted.timeout("propose", 1, 0)).toEqual([]);
  });

  it("if a rule would vote again in a restored round, the old vote is re-sent, not a new one", () => {
    const r = new Recorder(new Driver("v0"));
    r.run(r.d.start());
    r.run(r.d.timeout("propose", 1, 0)); // prevote nil in round 0
    // Forge a WAL where the step is lost but the vote is not (as if restarted mid-step).
    const restarted = new Driver(restore(config("v0"), r.wal));
    restarted.start();
    const effects = restarted.validProposal(proposal(1, 0, A));
    expect(sentVotes(effects)).toEqual([]); // already in prevote: line 22 needs step propose
    expect(kinds(effects)).not.toContain("persist:vote");
  });

  it("keeps the lock and the valid value across a restart", () => {
    const r = new Recorder(new Driver("v0"));
    r.run(r.d.start());
    r.run(r.d.validProposal(proposal(1, 0, A)));
    r.run(r.d.votes("prevote", 1, 0, A.valueId, OTHERS)); // lock A, precommit A
    const restarted = new Driver(restore(config("v0"), r.wal));
    expect(restarted.core.snapshot()).toMatchObject({
      round: 0,
      step: "precommit",
      lockedValue: A,
      lockedRound: 0,
      validValue: A,
      validRound: 0,
    });
    restarted.start();
    restarted.timeout("precommit", 1, 0);
    // Round 1: a fresh proposal of B must get a nil prevote (locked on A).
    expect(sentVotes(restarted.validProposal(proposal(1, 1, B)), "prevote")).toMatchObject([
      { valueId: null },
    ]);
  });

  it("a restarted proposer re-sends its proposal instead of asking for a new value", () => {
    const r = new Recorder(new Driver("v1")); // proposer of (1, 0)
    r.run(r.d.start());
    r.run(r.d.core.step({ kind: "value", height: 1, round: 0, value: A, nowMs: r.d.nowMs }));
    const restarted = new Driver(restore(config("v1"), r.wal));
    const effects = restarted.start();
    expect(effects.some((e) => e.kind === "requestValue")).toBe(false);
    expect(broadcasts(effects)).toContainEqual(proposal(1, 0, A));
  });

  it("resumes at the height after the last commit, with that block's time", () => {
    const r = new Recorder(new Driver("v0"));
    r.run(r.d.start());
    r.run(r.d.validProposal(proposal(1, 0, A), 1_000_123));
    r.run(r.d.votes("precommit", 1, 0, A.valueId, OTHERS));
    const restarted = restore(config("v0"), r.wal);
    expect(restarted.snapshot()).toMatchObject({
      height: 2,
      round: 0,
      step: "propose",
      lastBlockTimeMs: 1_000_123,
    });
  });

  it("restores validator set changes", () => {
    const r = new Recorder(new Driver("v0"));
    r.run(r.d.start());
    r.run(
      r.d.core.step({
        kind: "validatorSet",
        fromHeight: 2,
        validators: [{ id: "v0", power: 7n }],
        nowMs: 0,
      }),
    );
    expect(restore(config("v0"), r.wal).validatorsAt(2).totalPower).toBe(7n);
  });
});
