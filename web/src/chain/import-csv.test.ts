import { parse as nodeParse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { csvRecords } from "../../../src/sdk/csv.js";
import { type CsvParse, csvRecordsWith } from "../../../src/sdk/csv-records.js";
import { parseProductsCsv } from "./import-csv.js";

const HEADER =
  "sku,name,category,price_yuan,cost_yuan,stock,channels,service_terms,return_window_days,status";

describe("the console's ERP import (csv-parse's browser build, the CLI's row check)", () => {
  it("reads a file as the CLI's Node build reads it: quotes, CRLF, BOM, the line of each record", () => {
    const text = '\uFEFFsku,name\r\nA-1,"Tea, ""green""\nbox"\r\n\r\nB-2,Cup\n';
    const records = csvRecords(text);
    expect(records).toEqual(csvRecordsWith(nodeParse as CsvParse, () => false, text));
    expect(records.map((r) => r.line)).toEqual([3, 5]);
  });

  it("gives each row its value or its reason, and a SKU's second row is an error", () => {
    const rows = parseProductsCsv(
      [
        HEADER,
        "TEA-1,白茶,tea,188.00,80,500,online|distributor,七天无理由退货,7,active",
        "TEA-2,红茶,tea,12.3.4,5,10,online,,7,active",
        "TEA-1,again,tea,10,1,1,online,,7,active",
        "TEA-3,普洱,tea,99,30,20,offline|offline,,7,active",
        "TEA-4,绿茶,tea,99,30,20,online,,400,active",
      ].join("\n"),
    );
    expect(rows.map((r) => [r.line, r.key, r.value !== undefined])).toEqual([
      [2, "TEA-1", true],
      [3, "TEA-2", false],
      [4, "TEA-1", false],
      [5, "TEA-3", false],
      [6, "TEA-4", false],
    ]);
    expect(rows[0]!.value).toMatchObject({
      priceFen: 18800n,
      costFen: 8000n,
      stock: 500n,
      channels: ["online", "distributor"],
    });
    expect(rows[1]!.problems[0]!.params!.issue).toMatch(/price_yuan must be like 298/);
    expect(rows[2]!.problems.map((p) => p.key)).toEqual(["import.repeated"]);
    expect(rows[3]!.problems[0]!.params!.issue).toMatch(/channels must be listed once each/);
    expect(rows[4]!.problems[0]!.params!.issue).toMatch(/returnWindowDays/);
  });

  it("refuses a file that is not CSV with csv-parse's reason, checking no row", () => {
    expect(() => parseProductsCsv(`${HEADER}\n"TEA-1,unclosed`)).toThrow(/Quote Not Closed|quote/i);
  });
});
