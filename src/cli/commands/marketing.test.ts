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
/** The code with its last character changed (so its checksum fails), whatever that character was. */
const mistyped = (code: string) => `${code.slice(0, -1)}${code.endsWith("x") ? "y" : "x"}`;

describe("mkl marketing import: files", () => {
  it("reads RFC 4180 CSV: quotes, doubled quotes, commas and newlines in fields, CRLF, BOM", () => {
    const rows = parseCsv('\uFEFFsku,name\r\nA-1,"Tea, ""green""\nbox"\r\n\r\nB-2,Cup\n');
    expect(rows).toEqual([
      { row: { sku: "A-1", name: 'Tea, "green"\nbox' }, at: "line 3" },
      { row: { sku: "B-2", name: "Cup" }, at: "line 5" },
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
    const employees = file("bad-e.csv", `user_code,team_lead\n${codeA},${codeA}\n${mistyped(codeA)},\n`);
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
      "bad.csv line 3: sku: a SKU is",
      "bad.csv line 4: price_yuan must be like",
      "bad.csv line 5: channels:",
      "SKU OK-1 appears twice",
      "bad-e.csv line 2: value: a marketer cannot be their own team lead",
      "bad-e.csv line 3: code: ",
    ]) {
      expect(message).toContain(fragment);
    }
  });

  it("refuses a binary file, a file with a header and no rows, and malformed CSV, naming each", () => {
    const binary = join(dir, "products.csv");
    writeFileSync(binary, Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0xff, 0xfe]));
    expect(() => prepareImport({ products: binary })).toThrow(/is a binary file/);
    const latin1 = join(dir, "latin1.csv");
    writeFileSync(latin1, Buffer.from("sku,name\nA,caf\xe9\n", "latin1"));
    expect(() => prepareImport({ products: latin1 })).toThrow(/is not UTF-8 text/);
    expect(() =>
      prepareImport({ products: file("empty.csv", "sku,name,price_fen,stock,channels\n\n") }),
    ).toThrow(/no rows \(an import has at least one\)/);
    expect(() => prepareImport({ employees: file("empty.json", "[]") })).toThrow(/no rows/);
    expect(() => prepareImport({ products: file("ragged.csv", 'sku,name\nA,"unclosed\n') })).toThrow(
      /ragged.csv: Quote Not Closed/,
    );
    expect(() => prepareImport({ products: file("cols.csv", "sku,name\nA,B,C\n") })).toThrow(
      /Invalid Record Length/,
    );
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
