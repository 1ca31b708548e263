import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromHex, portableHex, toHex } from "./bytes.js";

describe("hex", () => {
  it("round-trips any bytes, and reads upper case as lower", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(fromHex(toHex(bytes))).toEqual(bytes);
        expect(fromHex(toHex(bytes).toUpperCase())).toEqual(bytes);
      }),
    );
  });

  it("gives the same lower-case text from Node's encoder and from the browsers' fallback, views included", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), fc.nat(), (bytes, a, b) => {
        const view = bytes.subarray(Math.min(a, b) % (bytes.length + 1), Math.max(a, b) % (bytes.length + 1));
        expect(toHex(view)).toBe(portableHex(view));
        expect(toHex(view)).toMatch(/^[0-9a-f]*$/);
        expect(toHex(view).length).toBe(view.length * 2);
      }),
    );
  });

  it("refuses an odd length and every character that is not a hex digit", () => {
    expect(() => fromHex("abc")).toThrow(TypeError);
    for (const bad of ["0g", "g0", " 0", "0x", "é0", "0\u0130", "\u00ff0", "-1"])
      expect(() => fromHex(bad), bad).toThrow(TypeError);
  });
});
