import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { getSuite } from "../../crypto/index.js";
import { userCodeOf } from "../../pki/user-code.js";
import { CliError } from "../io.js";
import { parseCsv, prepareImport } from "./marketing.js";

const dir = mkdtempSync(join(tmpdir(), "mkl-mkt-cli-"));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const suite = getSuite("ed25519");
const codeA = userCodeOf(suite.hash, suite.generateKeyPair().publicKey.bytes);
const codeB = userCodeOf(suite.hash, suite.generateKeyPair().publicKey.bytes);

describe("mkl marketing import: files", () => {
  it("reads RFC 4180 CSV: quotes, doubled quotes, commas and newlines in fields, CRLF, BOM", () => {
    const rows = parseCsv('\uFEFFsku,name\r\nA-1,"Tea, ""green""\nbox"\r\n\r\nB-2,Cup\n');
    expect(rows).toEqual([
      { sku: "A-1", name: 'Tea, "green"\nbox' },
      { sku: "B-2", name: "Cup" },
    ]);
  });

  it("parses products in fen or exact yuan, and employees with their team lead", () => {
    const products = file(
      "p.csv",
      [
        "sku,name,category,price_yuan,cost_fen,stock,channels,service_terms,return_window_days,status",
        'TEA-1,Longjing,tea,298.5,12000,100,online;distributor,"7-day returns",7,active',
        "CUP-2,Cup set,teaware,129,,50,online,,0,",
      ].join("\n"),
    );
    const employees = file(
      "e.json",
      JSON.stringify([
        { user_code: codeA, team_lead: codeB },
        { user_code: codeB, active: "false" },
      ]),
    );
    const { products: p, employees: e } = prepareImport({ products, employees });
    expect(p.map((x) => [x.sku, x.priceFen, x.costFen, x.channels, x.returnWindowDays, x.status])).toEqual([
      ["TEA-1", 29_850n, 12_000n, ["online", "distributor"], 7, "active"],
      ["CUP-2", 12_900n, 0n, ["online"], 0, "active"],
    ]);
    expect(e.map((x) => [x.teamLead !== undefined, x.active])).toEqual([
      [true, true],
      [false, false],
    ]);
  });

  it("reports every bad row with its number and imports nothing", () => {
    const products = file(
      "bad.csv",
      [
        "sku,name,price_yuan,stock,channels",
        "OK-1,Fine,1.00,1,online",
        "BAD 2,Space in sku,1.00,1,online",
        "OK-3,Float price,1.005,1,online",
        "OK-4,No channel,1,1,",
        "OK-1,Twice,1,1,online",
      ].join("\n"),
    );
    const employees = file("bad-e.csv", `user_code,team_lead\n${codeA},${codeA}\n${codeA.slice(0, -1)}x,\n`);
    let error: unknown;
    try {
      prepareImport({ products, employees });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CliError);
    const message = (error as Error).message;
    expect(message).toMatch(/^6 bad row\(s\), nothing was imported/);
    for (const fragment of [
      "bad.csv row 3: sku",
      "bad.csv row 4: price_yuan must be like",
      "bad.csv row 5: channels",
      "SKU OK-1 appears twice",
      "bad-e.csv row 2: a marketer cannot be their own team lead",
      "bad-e.csv row 3: user_code",
    ]) {
      expect(message).toContain(fragment);
    }
  });

  it("refuses more rows than one transaction may carry", () => {
    const many = [
      "sku,name,price_fen,stock,channels",
      ...Array.from({ length: 201 }, (_, i) => `S-${i},P,1,1,online`),
    ];
    expect(() => prepareImport({ products: file("many.csv", many.join("\n")) })).toThrow(
      /at most 200 per import/,
    );
  });
});
