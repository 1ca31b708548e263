import { describe, expect, it } from "vitest";
import { apiConnectionCap, openFilesSoftLimit } from "./fd-limit.js";

const limits = (soft: string) =>
  `Limit                     Soft Limit           Hard Limit           Units     \nMax open files            ${soft}                 524288               files     \n`;

describe("the API's share of file descriptors", () => {
  it("reads the soft open-files limit, and nothing where it cannot", () => {
    expect(openFilesSoftLimit(() => limits("1024"))).toBe(1024);
    expect(openFilesSoftLimit(() => limits("unlimited"))).toBeUndefined();
    expect(
      openFilesSoftLimit(() => {
        throw new Error("no /proc");
      }),
    ).toBeUndefined();
    expect(openFilesSoftLimit()).toBeGreaterThan(0);
  });

  it("caps connections below the limit less the reserve, and refuses a limit that leaves no room", () => {
    expect(apiConnectionCap(4096, 512, 1024)).toBe(512);
    expect(apiConnectionCap(100, 512, 65_536)).toBe(100);
    expect(apiConnectionCap(100, 512, undefined)).toBe(100);
    expect(() => apiConnectionCap(4096, 512, 520)).toThrow(/leaves no room for API connections/);
  });
});
