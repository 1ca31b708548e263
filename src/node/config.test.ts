import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { defaultVerifyWorkers, loadNodeConfig } from "./config.js";

const homes: string[] = [];
afterEach(() => {
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
});

function homeWith(config: unknown): string {
  const home = mkdtempSync(join(tmpdir(), "mkl-config-"));
  homes.push(home);
  writeFileSync(join(home, "config.json"), JSON.stringify(config));
  return home;
}

function refusal(config: unknown, env: NodeJS.ProcessEnv = {}): string {
  try {
    loadNodeConfig(homeWith(config), env);
  } catch (error) {
    expect(error).toMatchObject({ code: "CONFIG_INVALID" });
    return (error as Error).message;
  }
  throw new Error("the config was accepted");
}

describe("config.json", () => {
  it("accepts an empty file (every option has a default) and a full one", () => {
    expect(loadNodeConfig(homeWith({}), {}).api.port).toBe(26650);
    const full = loadNodeConfig(
      homeWith({
        api: { host: "0.0.0.0", port: 1 },
        p2p: { port: 65_535 },
        peers: [{ id: "ab", host: "h", port: 26660 }],
      }),
      {},
    );
    expect(full.p2p?.port).toBe(65_535);
  });

  it("names an unknown key, at the top or nested", () => {
    expect(refusal({ apii: { port: 1 } })).toMatch(/apii/);
    expect(refusal({ api: { prot: 1 } })).toMatch(/api.*prot/);
    expect(refusal({ peers: [{ id: "ab", host: "h", port: 1, weight: 2 }] })).toMatch(/peers\.0.*weight/);
    expect(refusal({ mempool: { maxTx: 5 } })).toMatch(/maxTx/);
  });

  it("refuses a port outside 1-65535 or that is not a number, saying which", () => {
    expect(refusal({ api: { port: 65_536 } })).toMatch(/api\.port: must be 1-65535/);
    expect(refusal({ api: { port: -1 } })).toMatch(/api\.port/);
    expect(refusal({ p2p: { port: "26660" } })).toMatch(/p2p\.port: must be a port number/);
    expect(refusal({ api: { port: 80.5 } })).toMatch(/api\.port: must be a whole number/);
    expect(refusal({ peers: [{ id: "ab", host: "h", port: 0 }] })).toMatch(/peers\.0\.port: must be 1-65535/);
    expect(refusal({}, { MKL_API_PORT: "http" })).toMatch(/MKL_API_PORT/);
    expect(refusal({}, { MKL_API_PORT: "99999" })).toMatch(/MKL_API_PORT/);
  });

  it("runs a verification worker per core beside the event loop's, at most 2, unless told otherwise", () => {
    expect([1, 2, 3, 16].map((cores) => defaultVerifyWorkers(cores))).toEqual([0, 1, 2, 2]);
    expect(loadNodeConfig(homeWith({}), {}).verifyWorkers).toBe(defaultVerifyWorkers());
    expect(loadNodeConfig(homeWith({ verifyWorkers: 0 }), {}).verifyWorkers).toBe(0);
    expect(refusal({ verifyWorkers: -1 })).toMatch(/verifyWorkers/);
  });

  it("takes the heap growth as a whole percent from 0 (V8's own) to 1,000, 30 by default", () => {
    expect(loadNodeConfig(homeWith({}), {}).heapGrowthPercent).toBe(100);
    expect(loadNodeConfig(homeWith({ heapGrowthPercent: 0 }), {}).heapGrowthPercent).toBe(0);
    expect(refusal({ heapGrowthPercent: -1 })).toMatch(/heapGrowthPercent/);
    expect(refusal({ heapGrowthPercent: 12.5 })).toMatch(/heapGrowthPercent/);
    expect(refusal({ heapGrowthPercent: 1_001 })).toMatch(/heapGrowthPercent/);
  });
});
