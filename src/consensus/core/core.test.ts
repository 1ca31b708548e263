import { describe, expect, it } from "vitest";
import { ConsensusError } from "./errors.js";
import {
  broadcasts,
  Driver,
  GENESIS_MS,
  kinds,
  proposal,
  proposerOf,
  sentVotes,
  TIMEOUTS,
  timeouts,
  value,
  vote,
} from "./testHarness.js";
import type { Effect } from "./types.js";

// Four validators of power 1: 2f+1 = 3, f+1 = 2. At height 1 the proposers of rounds 0..3
// are v1, v2, v3, v0, so v0 is a plain validator in rounds 0-2.
const OTHERS = ["v1", "v2", "v3"];
const A = value("aa");
const B = value("bb");

function startedV0(): Driver {
  const d = new Driver("v0");
  d.start();
  return d;
}

describe("proposer schedule used by these tests", () => {
  it("rotates v1, v2, v3, v0 at height 1", () => {
    expect([0, 1, 2, 3].map((r) => proposerOf(1, r))).toEqual(["v1", "v2", "v3", "v0"]);
  });
});

describe("line 11 StartRound", () => {
  it("a non-proposer schedules OnTimeoutPropose(h, 0) after timeoutPropose(0) (line 21)", () => {
    const d = new Driver("v0");
    expect(timeouts(d.start())).toEqual([{ kind: "propose", round: 0, durationMs: TIMEOUTS.proposeBaseMs }]);
    expect(d.core.snapshot()).toMatchObject({ height: 1, round: 0, step: "propose" });
  });

  it("the proposer asks the app for a value and broadcasts it, persisted first (lines 18-19)", () => {
    const d = new Driver("v1");
    expect(d.start()).toEqual([{ kind: "requestValue", height: 1, round: 0 }]);
    const effects = d.core.step({ kind: "value", height: 1, round: 0, value: A, nowMs: d.nowMs });
    expect(kinds(effects).slice(0, 3)).toEqual(["persist:proposal", "broadcast", "requestValidation"]);
    expect(broadcasts(effects)[0]).toEqual(proposal(1, 0, A));
  });

  it("a proposer with a validValue re-proposes it with its validRound (lines 15-16)", () => {
    const d = startedV0();
    d.validProposal(proposal(1, 0, A));
    d.votes("prevote", 1, 0, A.valueId, OTHERS); // line 36: validValue = A, validRound = 0
    d.timeout("propose", 1, 0);
    // Move to round 3, where v0 proposes.
    const effects = d.votes("prevote", 1, 3, null, ["v1", "v2"]);
    const sent = broadcasts(effects).find((m) => m.type === "proposal");
    expect(sent).toMatchObject({ type: "proposal", round: 3, validRound: 0, value: A, proposer: "v0" });
    expect(effects.some((e) => e.kind === "requestValue")).toBe(false);
  });
});

describe("line 22: proposal with validRound = -1 while in propose", () => {
  it("prevotes id(v) for a valid value when not locked; the vote is persisted before it is sent", () => {
    const d = startedV0();
    expect(d.deliver(proposal(1, 0, A))).toEqual([
      { kind: "requestValidation", height: 1, valueId: A.valueId, payload: A.payload },
    ]);
    const effects = d.valid(1, A.valueId);
    expect(kinds(effects)).toEqual(["persist:vote", "broadcast"]);
    expect(sentVotes(effects)).toMatchObject([
      { type: "prevote", round: 0, valueId: A.valueId, validator: "v0" },
    ]);
    expect(d.core.snapshot().step).toBe("prevote");
  });

  it("prevotes nil for an invalid value (line 26)", () => {
    const d = startedV0();
    d.deliver(proposal(1, 0, A));
    expect(sentVotes(d.invalid(1, A.valueId))).toMatchObject([{ type: "prevote", valueId: null }]);
  });

  it("asks the app about a value once, and ignores a malformed validRound", () => {
    const d = startedV0();
    expect(d.deliver(proposal(1, 2, A, 2))).toEqual([]); // validRound must be < round
    d.deliver(proposal(1, 0, A));
    expect(d.deliver(proposal(1, 0, A))).toEqual([]);
  });

  it("ignores a proposal that is not from proposer(h, round)", () => {
    const d = startedV0();
    expect(d.deliver({ ...proposal(1, 0, A), proposer: "v2" })).toEqual([]);
  });

  it("prevotes nil when locked on another value, id(v) when locked on the same (line 23)", () => {
    const d = lockedOnA(); // locked on A in round 0, now in round 1
    const p1 = proposal(1, 1, B);
    expect(sentVotes(d.validProposal(p1), "prevote")).toMatchObject([{ round: 1, valueId: null }]);

    const same = lockedOnA();
    expect(sentVotes(same.validProposal(proposal(1, 1, A)), "prevote")).toMatchObject([
      { round: 1, valueId: A.valueId },
    ]);
  });
});

/** v0 locks A in round 0 (line 36) and moves to round 1 through OnTimeoutPrecommit. */
function lockedOnA(): Driver {
  const d = startedV0();
  d.validProposal(proposal(1, 0, A));
  d.votes("prevote", 1, 0, A.valueId, OTHERS);
  expect(d.core.snapshot()).toMatchObject({ lockedRound: 0, step: "precommit" });
  d.votes("precommit", 1, 0, null, OTHERS);
  d.timeout("precommit", 1, 0);
  expect(d.core.snapshot()).toMatchObject({ round: 1, step: "propose", lockedRound: 0 });
  return d;
}

describe("line 28: proposal with 0 ≤ validRound < round and 2f+1 prevotes for it in validRound", () => {
  it("prevotes id(v) when lockedRound ≤ vr, even if locked on another value", () => {
    const d = lockedOnA(); // lockedRound 0
    d.votes("prevote", 1, 0, B.valueId, []); // nothing
    // 2f+1 prevotes for B in round 1, then a round-2 proposal of B with vr = 1.
    d.timeout("propose", 1, 1);
    d.votes("prevote", 1, 1, B.valueId, OTHERS);
    d.votes("precommit", 1, 1, null, OTHERS);
    d.timeout("precommit", 1, 1);
    const effects = d.validProposal(proposal(1, 2, B, 1));
    expect(sentVotes(effects, "prevote")).toMatchObject([{ round: 2, valueId: B.valueId }]);
  });

  it("prevotes nil when locked in a round later than vr on another value (line 32)", () => {
    const d = lockedOnA(); // lockedRound 0 on A
    // B had a polka in round 0? No: give B a polka in round 0 from the others is impossible with A's.
    // Instead lock again on A in round 1 and see B re-proposed with vr = 0 refused.
    d.validProposal(proposal(1, 1, A));
    d.votes("prevote", 1, 1, A.valueId, OTHERS);
    expect(d.core.snapshot()).toMatchObject({ lockedRound: 1 });
    d.votes("precommit", 1, 1, null, OTHERS);
    d.timeout("precommit", 1, 1);
    d.votes("prevote", 1, 0, B.valueId, ["v1"]); // v1 already prevoted A in round 0: equivocation, counted for B
    d.votes("prevote", 1, 0, B.valueId, ["v2", "v3"]);
    const effects = d.validProposal(proposal(1, 2, B, 0));
    expect(sentVotes(effects, "prevote")).toMatchObject([{ round: 2, valueId: null }]);
  });

  it("waits in propose while the polka for vr is incomplete", () => {
    const d = lockedOnA();
    d.timeout("propose", 1, 1);
    d.votes("prevote", 1, 1, B.valueId, ["v1"]);
    d.votes("prevote", 1, 1, null, ["v2", "v3"]);
    d.votes("precommit", 1, 1, null, OTHERS);
    d.timeout("precommit", 1, 1);
    expect(sentVotes(d.validProposal(proposal(1, 2, B, 1)))).toEqual([]);
    expect(d.core.snapshot().step).toBe("propose");
  });
});

describe("line 34: 2f+1 prevotes for anything while in prevote, for the first time", () => {
  it("schedules OnTimeoutPrevote once", () => {
    const d = startedV0();
    d.timeout("propose", 1, 0); // prevote nil, step prevote
    d.votes("prevote", 1, 0, A.valueId, ["v1"]);
    const effects = d.votes("prevote", 1, 0, B.valueId, ["v2"]);
    expect(timeouts(effects)).toEqual([{ kind: "prevote", round: 0, durationMs: TIMEOUTS.prevoteBaseMs }]);
    expect(timeouts(d.votes("prevote", 1, 0, B.valueId, ["v3"]))).toEqual([]);
  });
});

describe("line 36: proposal v and 2f+1 prevotes for id(v) in this round, valid(v), step ≥ prevote", () => {
  it("in prevote: locks, precommits id(v), sets validValue; records persisted before the send", () => {
    const d = startedV0();
    d.validProposal(proposal(1, 0, A));
    const effects = d.votes("prevote", 1, 0, A.valueId, ["v1", "v2"]);
    expect(kinds(effects)).toEqual(["persist:validValue", "persist:vote", "broadcast"]);
    expect(sentVotes(effects)).toMatchObject([{ type: "precommit", round: 0, valueId: A.valueId }]);
    expect(d.core.snapshot()).toMatchObject({
      step: "precommit",
      lockedValue: A,
      lockedRound: 0,
      validValue: A,
      validRound: 0,
    });
  });

  it("in precommit: only updates validValue and validRound (lines 42-43)", () => {
    const d = startedV0();
    d.deliver(proposal(1, 0, A));
    d.timeout("propose", 1, 0); // prevote nil before validation arrives
    d.votes("prevote", 1, 0, null, ["v1"]);
    d.timeout("prevote", 1, 0); // precommit nil
    expect(d.core.snapshot().step).toBe("precommit");
    d.valid(1, A.valueId);
    const effects = d.votes("prevote", 1, 0, A.valueId, OTHERS);
    expect(sentVotes(effects)).toEqual([]);
    expect(d.core.snapshot()).toMatchObject({ lockedRound: -1, validValue: A, validRound: 0 });
  });

  it("fires once per round (for the first time)", () => {
    const d = startedV0();
    d.validProposal(proposal(1, 0, A));
    d.votes("prevote", 1, 0, A.valueId, ["v1", "v2"]);
    expect(d.votes("prevote", 1, 0, A.valueId, ["v3"])).toEqual([]);
  });

  it("does not fire for an invalid value", () => {
    const d = startedV0();
    d.deliver(proposal(1, 0, A));
    d.invalid(1, A.valueId);
    expect(sentVotes(d.votes("prevote", 1, 0, A.valueId, OTHERS), "precommit")).toEqual([]);
  });
});

describe("line 44: 2f+1 prevotes for nil while in prevote", () => {
  it("precommits nil", () => {
    const d = startedV0();
    d.timeout("propose", 1, 0);
    const effects = d.votes("prevote", 1, 0, null, ["v1", "v2"]);
    expect(sentVotes(effects, "precommit")).toMatchObject([{ round: 0, valueId: null }]);
    expect(d.core.snapshot().step).toBe("precommit");
  });
});

describe("line 47: 2f+1 precommits for anything, for the first time", () => {
  it("schedules OnTimeoutPrecommit once, in any step", () => {
    const d = startedV0();
    d.votes("precommit", 1, 0, A.valueId, ["v1"]);
    d.votes("precommit", 1, 0, null, ["v2"]);
    const effects = d.votes("precommit", 1, 0, B.valueId, ["v3"]);
    expect(timeouts(effects)).toEqual([
      { kind: "precommit", round: 0, durationMs: TIMEOUTS.precommitBaseMs },
    ]);
    expect(timeouts(d.timeout("propose", 1, 0))).toEqual([]);
  });
});

describe("line 49: proposal v of a round r and 2f+1 precommits for id(v) in r", () => {
  it("decides, persisting the commit before announcing it, and starts the next height", () => {
    const d = startedV0();
    d.validProposal(proposal(1, 0, A), GENESIS_MS + 5);
    const effects = d.votes("precommit", 1, 0, A.valueId, OTHERS);
    expect(kinds(effects).slice(0, 2)).toEqual(["persist:commit", "commit"]);
    const commit = effects.find((e) => e.kind === "commit");
    expect(commit?.kind === "commit" && commit.certificate).toMatchObject({
      height: 1,
      round: 0,
      proposal: proposal(1, 0, A),
      blockTimeMs: GENESIS_MS + 5,
    });
    expect(commit?.kind === "commit" && commit.certificate.precommits.map((v) => v.validator)).toEqual(
      OTHERS,
    );
    expect(d.core.snapshot()).toMatchObject({ height: 2, round: 0, step: "propose", lockedRound: -1 });
  });

  it("decides from precommits of an earlier round while in a later one", () => {
    const d = startedV0();
    d.validProposal(proposal(1, 0, A));
    d.timeout("propose", 1, 0);
    d.votes("prevote", 1, 0, null, OTHERS);
    d.votes("precommit", 1, 0, null, ["v1", "v2"]);
    d.timeout("precommit", 1, 0);
    expect(d.core.snapshot().round).toBe(1);
    const effects = d.votes("precommit", 1, 0, A.valueId, ["v3"]); // v1, v2 equivocate: both count
    expect(effects.some((e) => e.kind === "commit")).toBe(false);
    const decided = d.votes("precommit", 1, 0, A.valueId, ["v1", "v2"]);
    expect(decided.some((e) => e.kind === "commit")).toBe(true);
  });

  it("waits for valid(v)", () => {
    const d = startedV0();
    d.deliver(proposal(1, 0, A));
    expect(d.votes("precommit", 1, 0, A.valueId, OTHERS).some((e) => e.kind === "commit")).toBe(false);
    expect(d.valid(1, A.valueId).some((e) => e.kind === "commit")).toBe(true);
  });
});

describe("line 55: f+1 messages of a higher round", () => {
  it("starts that round", () => {
    const d = startedV0();
    expect(timeouts(d.deliver(vote("prevote", 1, 5, null, "v1")))).toEqual([]);
    const effects = d.deliver(vote("precommit", 1, 5, null, "v2"));
    expect(d.core.snapshot()).toMatchObject({ round: 5, step: "propose" });
    expect(timeouts(effects)).toEqual([
      { kind: "propose", round: 5, durationMs: TIMEOUTS.proposeBaseMs + 5 * TIMEOUTS.proposeDeltaMs },
    ]);
  });

  it("counts a proposal of the higher round as a message of its proposer", () => {
    const d = startedV0();
    d.deliver(proposal(1, 2, A)); // from v3
    d.deliver(vote("prevote", 1, 2, null, "v1"));
    expect(d.core.snapshot().round).toBe(2);
  });
});

describe("timeouts (lines 57, 61, 65)", () => {
  it("OnTimeoutPropose in propose prevotes nil (line 57)", () => {
    const d = startedV0();
    expect(sentVotes(d.timeout("propose", 1, 0))).toMatchObject([{ type: "prevote", valueId: null }]);
    expect(d.core.snapshot().step).toBe("prevote");
  });

  it("OnTimeoutPrevote in prevote precommits nil (line 61)", () => {
    const d = startedV0();
    d.timeout("propose", 1, 0);
    expect(sentVotes(d.timeout("prevote", 1, 0))).toMatchObject([{ type: "precommit", valueId: null }]);
    expect(d.core.snapshot().step).toBe("precommit");
  });

  it("OnTimeoutPrecommit starts the next round (line 65)", () => {
    const d = startedV0();
    const effects = d.timeout("precommit", 1, 0);
    expect(d.core.snapshot()).toMatchObject({ round: 1, step: "propose" });
    expect(timeouts(effects)).toEqual([
      { kind: "propose", round: 1, durationMs: TIMEOUTS.proposeBaseMs + TIMEOUTS.proposeDeltaMs },
    ]);
  });

  it("ignores stale timeouts of another height, round or step", () => {
    const d = startedV0();
    expect(d.timeout("propose", 1, 3)).toEqual([]);
    expect(d.timeout("propose", 2, 0)).toEqual([]);
    expect(d.timeout("prevote", 1, 0)).toEqual([]); // still in propose
    expect(d.timeout("precommit", 0, 0)).toEqual([]);
  });

  it("reset per height: round 0 of the next height uses the base timeout", () => {
    const d = startedV0();
    d.timeout("precommit", 1, 0);
    d.timeout("precommit", 1, 1); // round 2 now
    d.validProposal(proposal(1, 2, A));
    const effects = d.votes("precommit", 1, 2, A.valueId, OTHERS);
    expect(timeouts(effects)).toContainEqual({
      kind: "propose",
      round: 0,
      durationMs: TIMEOUTS.proposeBaseMs,
    });
  });
});

describe("equivocation evidence", () => {
  it("emits both votes when a validator signs two different votes for one (h, round, type)", () => {
    const d = startedV0();
    const first = vote("prevote", 1, 0, A.valueId, "v2");
    const second = vote("prevote", 1, 0, B.valueId, "v2");
    expect(d.deliver(first)).toEqual([]);
    expect(d.deliver(second)).toEqual([
      { kind: "evidence", evidence: { kind: "duplicateVote", first, second } },
    ]);
    expect(d.deliver(second)).toEqual([]); // a duplicate is not news
    expect(d.deliver(vote("precommit", 1, 0, B.valueId, "v2"))).toEqual([]); // another type is fine
  });
});

describe("no double signing", () => {
  it("signs at most one prevote per round even if several rules could fire", () => {
    const d = startedV0();
    d.validProposal(proposal(1, 0, A));
    const again = d.timeout("propose", 1, 0); // step is already prevote
    expect(sentVotes(again)).toEqual([]);
  });

  it("stamps votes after the block voted for (BFT time)", () => {
    const d = startedV0();
    d.nowMs = GENESIS_MS + 50;
    const effects = d.validProposal(proposal(1, 0, A), GENESIS_MS + 500);
    expect(sentVotes(effects)[0]?.timestampMs).toBe(GENESIS_MS + 501);
  });
});

describe("followers", () => {
  it("a node outside the validator set decides but never votes", () => {
    const d = new Driver("observer");
    d.start();
    const effects: Effect[] = [
      ...d.validProposal(proposal(1, 0, A)),
      ...d.votes("prevote", 1, 0, A.valueId, OTHERS),
    ];
    expect(sentVotes(effects)).toEqual([]);
    expect(d.votes("precommit", 1, 0, A.valueId, OTHERS).some((e) => e.kind === "commit")).toBe(true);
  });
});

describe("validator set changes", () => {
  it("uses the set of the current height for quorums and proposers", () => {
    const d = startedV0();
    d.validProposal(proposal(1, 0, A));
    d.votes("precommit", 1, 0, A.valueId, OTHERS);
    // At height 3, v3 leaves and v0 gets power 3: v0 alone is not 2/3 of 5, v0+v1 is.
    const persisted = d.core.step({
      kind: "validatorSet",
      fromHeight: 3,
      validators: [
        { id: "v0", power: 3n },
        { id: "v1", power: 1n },
        { id: "v2", power: 1n },
      ],
      nowMs: d.nowMs,
    });
    expect(kinds(persisted)).toEqual(["persist:validatorSet"]);
    const p2 = proposal(2, 0, B);
    d.validProposal(p2);
    d.votes("precommit", 2, 0, B.valueId, OTHERS);
    expect(d.core.snapshot().height).toBe(3);
    const set3 = d.core.validatorsAt(3);
    expect(set3.totalPower).toBe(5n);
    const c = value("cc");
    const p3 = { ...proposal(3, 0, c), proposer: proposerOf(3, 0, set3) };
    d.validProposal(p3);
    expect(d.votes("precommit", 3, 0, c.valueId, ["v3"]).some((e) => e.kind === "commit")).toBe(false); // v3 is out
    expect(d.votes("precommit", 3, 0, c.valueId, ["v1"]).some((e) => e.kind === "commit")).toBe(false);
    // v0's own precommit (power 3) arrives through line 36 once prevotes are in: 3 + 1 > 10/3.
    const effects = d.votes("prevote", 3, 0, c.valueId, ["v1", "v2"]);
    expect(effects.some((e) => e.kind === "commit")).toBe(true);
  });

  it("refuses a change for the current height", () => {
    const d = startedV0();
    expect(() =>
      d.core.step({ kind: "validatorSet", fromHeight: 1, validators: [{ id: "v0", power: 1n }], nowMs: 0 }),
    ).toThrow(ConsensusError);
  });
});

describe("bounded memory under floods", () => {
  it("keeps messages of a bounded number of future rounds per sender", () => {
    const d = startedV0();
    for (let r = 1; r <= 100; r++) d.deliver(vote("prevote", 1, r, `x${r}`, "v3"));
    // v3 alone cannot move us (f+1 = 2), and only its first 4 future rounds were kept:
    expect(d.core.snapshot().round).toBe(0);
    d.deliver(vote("prevote", 1, 50, null, "v2"));
    expect(d.core.snapshot().round).toBe(0); // v3's round 50 was dropped
    d.deliver(vote("prevote", 1, 3, null, "v2"));
    expect(d.core.snapshot().round).toBe(3); // v3's round 3 was kept
  });
});
