import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CursorFile } from "./cursor-file.js";

describe("CursorFile", () => {
  const dirs: string[] = [];
  const freshPath = () => {
    const dir = mkdtempSync(join(tmpdir(), "mkl-cursor-"));
    dirs.push(dir);
    return join(dir, "nested", "cursor.json");
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("follows from genesis until a height is written, then from the block after it", () => {
    const path = freshPath();
    const cursor = new CursorFile(path);
    expect(cursor.read()).toBeUndefined();
    expect(cursor.next()).toBe(0n);
    cursor.write(41n);
    expect(cursor.next()).toBe(42n);
    // A height past 2^53 survives: it is kept as a decimal string, not a JSON number.
    cursor.write(2n ** 60n);
    expect(new CursorFile(path).read()).toBe(2n ** 60n);
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual({ height: (2n ** 60n).toString() });
    expect(existsSync(`${path}.tmp`)).toBe(false);
  });

  it("ignores a temporary file a crash left behind before its rename", () => {
    const path = freshPath();
    const cursor = new CursorFile(path);
    cursor.write(7n);
    writeFileSync(`${path}.tmp`, '{"heig');
    expect(new CursorFile(path).next()).toBe(8n);
    cursor.write(9n);
    expect(cursor.read()).toBe(9n);
  });
});
