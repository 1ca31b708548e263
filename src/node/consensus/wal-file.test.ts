import * as fs from "node:fs";
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { WalRecord } from "../../consensus/index.js";
import { WalFile, type WalFs } from "./wal-file.js";

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
    wal.append([vote]);
    wal.append([validators, proposal]);
    wal.close();
    expect(WalFile.open(path).records).toEqual([vote, validators, proposal]);
  });

  it("writes bytes as lowercase hex of exactly the viewed bytes (a view into a larger buffer too)", () => {
    const path = walIn();
    const { wal } = WalFile.open(path);
    const block = new Uint8Array([0xff, 0x01, 0xab, 0x0f, 0xee]);
    const viewed: WalRecord = {
      kind: "validValue",
      height: 7,
      round: 0,
      value: { valueId: "ff", payload: block.subarray(1, 4) },
    };
    wal.append([viewed]);
    wal.close();
    expect(readFileSync(path, "utf8")).toContain('"payload":{"$hex":"01ab0f"}');
    expect(WalFile.open(path).records).toEqual([
      { ...viewed, value: { valueId: "ff", payload: new Uint8Array([0x01, 0xab, 0x0f]) } },
    ]);
  });

  it("ignores a last line torn by a crash, but refuses damage before the end", () => {
    const path = walIn();
    const { wal } = WalFile.open(path);
    wal.append([vote]);
    wal.close();
    appendFileSync(path, '1234abcd {"kind":"vo');
    expect(WalFile.open(path).records).toEqual([vote]);
    const lines = readFileSync(path, "utf8").split("\n");
    writeFileSync(path, [lines[0]?.replace("precommit", "prevote!!"), lines[0], ""].join("\n"));
    expect(() => WalFile.open(path)).toThrow(/damaged at line 1/);
  });

  it("cuts a torn last line off when it opens, so records appended after a crash read back", () => {
    const path = walIn();
    const { wal } = WalFile.open(path);
    wal.append([vote]);
    wal.close();
    appendFileSync(path, '1234abcd {"kind":"vo');
    const reopened = WalFile.open(path);
    expect(reopened.records).toEqual([vote]);
    reopened.wal.append([proposal]);
    reopened.wal.close();
    expect(WalFile.open(path).records).toEqual([vote, proposal]);

    // A whole line whose newline was not written is torn as well: its write never returned.
    const whole = readFileSync(path, "utf8");
    appendFileSync(path, whole.slice(0, whole.indexOf("\n")));
    const again = WalFile.open(path);
    expect(again.records).toEqual([vote, proposal]);
    again.wal.append([validators]);
    again.wal.close();
    expect(WalFile.open(path).records).toEqual([vote, proposal, validators]);
  });

  it("writes a record whole although the disk takes a few bytes per write", () => {
    const path = walIn();
    const shortWrites: WalFs = {
      ...nodeFs(),
      writeSync: (fd, data) => fs.writeSync(fd, data.subarray(0, 7)),
    };
    const { wal } = WalFile.open(path, shortWrites);
    wal.append([vote, proposal]);
    wal.rewrite([validators]);
    wal.append([vote]);
    wal.close();
    expect(WalFile.open(path).records).toEqual([validators, vote]);
  });

  it("rewrites atomically to what the next height needs", () => {
    const path = walIn();
    const { wal } = WalFile.open(path);
    wal.append([vote]);
    wal.append([proposal]);
    wal.rewrite([validators]);
    wal.append([vote]);
    wal.close();
    expect(WalFile.open(path).records).toEqual([validators, vote]);
  });

  it("keeps a checkpoint aside until the next append makes it durable with its records", () => {
    const path = walIn();
    const { wal } = WalFile.open(path);
    wal.append([vote, proposal]);
    wal.checkpoint([validators]);
    // A crash now: the file still holds the records the checkpoint replaces.
    expect(WalFile.open(path).records).toEqual([vote, proposal]);
    wal.append([vote]);
    expect(WalFile.open(path).records).toEqual([validators, vote]);
    wal.checkpoint([]);
    wal.append([proposal]);
    wal.close();
    expect(WalFile.open(path).records).toEqual([proposal]);
  });

  it("rewrites the file at a checkpoint once it has grown past the compaction size", () => {
    const path = walIn();
    const { wal } = WalFile.open(path, undefined, { compactBytes: 2_000 });
    const big: WalRecord = {
      ...proposal,
      proposal: {
        ...(proposal as { proposal: object }).proposal,
        value: { valueId: "ff", payload: new Uint8Array(1_500) },
      },
    } as WalRecord;
    wal.append([big]);
    wal.checkpoint([validators]);
    expect(WalFile.open(path).records).toEqual([validators]); // durable at once: rewritten
    const rewritten = readFileSync(path, "utf8").length;
    wal.checkpoint([vote]);
    wal.append([vote]);
    wal.close();
    expect(WalFile.open(path).records).toEqual([vote, vote]);
    expect(readFileSync(path, "utf8").length).toBeGreaterThan(rewritten); // appended, not rewritten
  });
});

/** The real file system, as the WAL calls it. */
function nodeFs(): WalFs {
  return {
    openSync: (path, flags) => fs.openSync(path, flags),
    writeSync: (fd, data) => fs.writeSync(fd, data),
    fsyncSync: fs.fsyncSync,
    ftruncateSync: (fd, length) => fs.ftruncateSync(fd, length),
    closeSync: fs.closeSync,
    renameSync: fs.renameSync,
    unlinkSync: fs.unlinkSync,
    existsSync: fs.existsSync,
    readFileSync: (path, encoding) => fs.readFileSync(path, encoding),
  };
}

/** The real file system, with one call of a rewrite made to fail once armed. */
function failingFs(step: RewriteStep): WalFs & { armed: boolean } {
  const boom = () => Object.assign(new Error(`injected failure of ${step}`), { code: "EIO" });
  const injected: WalFs & { armed: boolean } = {
    armed: false,
    openSync: (path, flags) => {
      if (injected.armed && step === (flags === "r" ? "open folder" : "open temporary")) throw boom();
      return fs.openSync(path, flags);
    },
    writeSync: (fd, data) => {
      if (injected.armed && step === "write") throw boom();
      return fs.writeSync(fd, data);
    },
    fsyncSync: (fd) => {
      const isFolder = fs.fstatSync(fd).isDirectory();
      if (injected.armed && step === (isFolder ? "fsync folder" : "fsync")) throw boom();
      fs.fsyncSync(fd);
    },
    ftruncateSync: fs.ftruncateSync,
    closeSync: fs.closeSync,
    renameSync: (from, to) => {
      if (injected.armed && step === "rename") throw boom();
      fs.renameSync(from, to);
    },
    unlinkSync: fs.unlinkSync,
    existsSync: fs.existsSync,
    readFileSync: (path, encoding) => fs.readFileSync(path, encoding),
  };
  return injected;
}

const STEPS = ["open temporary", "write", "fsync", "rename", "open folder", "fsync folder"] as const;
type RewriteStep = (typeof STEPS)[number];

describe("a failing rewrite of the consensus WAL", () => {
  it.each(STEPS)(
    "fails stop when %s fails: no later append, and the log is the old or the new one whole",
    (step) => {
      const path = walIn();
      const injected = failingFs(step);
      const { wal } = WalFile.open(path, injected);
      wal.append([vote]);
      wal.append([proposal]);
      injected.armed = true;
      expect(() => wal.rewrite([validators])).toThrow(expect.objectContaining({ code: "WAL_FAILED" }));
      injected.armed = false;
      // Fail-stop: a vote after the failure is refused, never written to a file we would not read.
      expect(() => wal.append([vote])).toThrow(expect.objectContaining({ code: "WAL_FAILED" }));
      expect(() => wal.rewrite([])).toThrow(expect.objectContaining({ code: "WAL_FAILED" }));
      const renamed = STEPS.indexOf(step) > STEPS.indexOf("rename");
      expect(WalFile.open(path).records).toEqual(renamed ? [validators] : [vote, proposal]);
      expect(existsSync(`${path}.next`)).toBe(false);
    },
  );
});
