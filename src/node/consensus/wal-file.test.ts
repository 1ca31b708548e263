import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { WalRecord } from "../../consensus/index.js";
import { WalFile } from "./wal-file.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function walIn(): string {
  const dir = mkdtempSync(join(tmpdir(), "mkl-wal-"));
  dirs.push(dir);
  return join(dir, "consensus.wal");
}

const vote: WalRecord = {
  kind: "vote",
  vote: {
    type: "precommit",
    height: 7,
    round: 1,
    valueId: "ab".repeat(32),
    validator: "cd".repeat(33),
    timestampMs: 1_700_000_000_123,
  },
};
const validators: WalRecord = {
  kind: "validatorSet",
  fromHeight: 9,
  validators: [{ id: "01", power: 2n ** 70n }],
};
const proposal: WalRecord = {
  kind: "proposal",
  proposal: {
    type: "proposal",
    height: 7,
    round: 0,
    validRound: -1,
    proposer: "ee",
    value: { valueId: "ff", payload: new Uint8Array([1, 2, 3]) },
  },
};

describe("the consensus WAL file", () => {
  it("gives back exactly what was appended, bigints and bytes included, across reopening", () => {
    const path = walIn();
    const { wal } = WalFile.open(path);
    for (const record of [vote, validators, proposal]) wal.append(record);
    wal.close();
    expect(WalFile.open(path).records).toEqual([vote, validators, proposal]);
  });

  it("ignores a last line torn by a crash, but refuses damage before the end", () => {
    const path = walIn();
    const { wal } = WalFile.open(path);
    wal.append(vote);
    wal.close();
    appendFileSync(path, '1234abcd {"kind":"vo');
    expect(WalFile.open(path).records).toEqual([vote]);
    const lines = readFileSync(path, "utf8").split("\n");
    writeFileSync(path, [lines[0]?.replace("precommit", "prevote!!"), lines[0], ""].join("\n"));
    expect(() => WalFile.open(path)).toThrow(/damaged at line 1/);
  });

  it("rewrites atomically to what the next height needs", () => {
    const path = walIn();
    const { wal } = WalFile.open(path);
    wal.append(vote);
    wal.append(proposal);
    wal.rewrite([validators]);
    wal.append(vote);
    wal.close();
    expect(WalFile.open(path).records).toEqual([validators, vote]);
  });
});
