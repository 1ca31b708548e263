import { describe, expect, it } from "vitest";
import { decode, encode, enumeration } from "./codec.js";

describe("enumeration", () => {
  const colour = enumeration(["red", "green", "blue"]);

  it("writes a name as its position and reads it back", () => {
    expect([...encode(colour, "blue")]).toEqual([2]);
    expect(decode(colour, Uint8Array.of(1))).toBe("green");
  });

  it("refuses an unknown position on decode and an unknown name on encode", () => {
    expect(() => decode(colour, Uint8Array.of(3))).toThrow(
      expect.objectContaining({ code: "CODEC_UNKNOWN_TAG" }),
    );
    expect(() => encode(colour, "pink" as "red")).toThrow(
      expect.objectContaining({ code: "CODEC_UNKNOWN_TAG" }),
    );
  });

  it("refuses a list that is empty, too long or repeats a name", () => {
    expect(() => enumeration([])).toThrow(TypeError);
    expect(() => enumeration(["a", "a"])).toThrow(TypeError);
    expect(() => enumeration(Array.from({ length: 257 }, (_, i) => `v${i}`))).toThrow(TypeError);
  });
});
