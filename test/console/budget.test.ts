import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { ROOT } from "../e2e/harness.js";

/**
 * The console's JavaScript budget (issue 12): the first page loads under 400 KB of gzipped
 * JavaScript, and every page is its own chunk, loaded when it is opened. Read from the Vite
 * manifest of the build that `npm ci` made (dist/web).
 */

const DIST = join(ROOT, "dist", "web");
const BUDGET_BYTES = 400 * 1024;
const PAGES = ["Home", "Keys", "Admin", "Enterprise", "Marketer", "Shop", "Auditor", "Operator"];

interface Chunk {
  file: string;
  imports?: string[];
  dynamicImports?: string[];
  isEntry?: boolean;
  isDynamicEntry?: boolean;
}

function manifest(): Record<string, Chunk> {
  const path = join(DIST, ".vite", "manifest.json");
  if (!existsSync(path)) throw new Error(`no web build at ${DIST}: run npm run build:web`);
  return JSON.parse(readFileSync(path, "utf8")) as Record<string, Chunk>;
}

/** The chunk and everything it imports statically (what the browser must fetch before it runs). */
function closure(all: Record<string, Chunk>, key: string, seen = new Set<string>()): Set<string> {
  if (seen.has(key)) return seen;
  seen.add(key);
  for (const next of all[key]?.imports ?? []) closure(all, next, seen);
  return seen;
}

const gzipBytes = (file: string) => gzipSync(readFileSync(join(DIST, file))).length;

describe("the console's JavaScript budget", () => {
  it("the first page (the entry and the home page's chunk) is under 400 KB gzip", () => {
    const all = manifest();
    const keys = new Set([...closure(all, "index.html"), ...closure(all, "src/pages/Home.tsx")]);
    const files = [...keys].map((k) => all[k]!.file).filter((f) => f.endsWith(".js"));
    const total = files.reduce((n, f) => n + gzipBytes(f), 0);
    console.log(
      `console first page: ${(total / 1024).toFixed(1)} KB gzip of JavaScript in ${files.length} files`,
    );
    expect(total).toBeLessThan(BUDGET_BYTES);
  });

  it("is split by route: each page is its own lazily loaded chunk", () => {
    const all = manifest();
    const entry = all["index.html"]!;
    for (const page of PAGES) {
      const key = `src/pages/${page}.tsx`;
      expect(all[key]?.isDynamicEntry, `${page} is a dynamic chunk`).toBe(true);
      expect(entry.dynamicImports).toContain(key);
      expect(closure(all, "index.html").has(key), `${page} is not loaded by the entry`).toBe(false);
    }
  });
});
