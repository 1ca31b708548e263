import { describe, expect, it } from "vitest";
import { decode, encode, oneOf, string } from "./codec.js";

describe("oneOf: a closed enumeration", () => {
  const colour = oneOf(["red", "green", "blue"]);
  const unknownValue = expect.objectContaining({ code: "CODEC_UNKNOWN_VALUE" });

  it("without a codec, writes a name as its u8 position and reads it back", () => {
    expect([...encode(colour, "blue")]).toEqual([2]);
    expect(decode(colour, Uint8Array.of(1))).toBe("green");
  });

  it("with a codec, writes the value itself as that codec does", () => {
    const named = oneOf(["red", "green"], string(8));
    expect([...encode(named, "red")]).toEqual([...encode(string(8), "red")]);
    expect(decode(named, encode(string(8), "green"))).toBe("green");
    expect(() => decode(named, encode(string(8), "pink"))).toThrow(unknownValue);
  });

  it("refuses an unknown position on decode and an unknown name on encode", () => {
    expect(() => decode(colour, Uint8Array.of(3))).toThrow(unknownValue);
    expect(() => encode(colour, "pink" as "red")).toThrow(unknownValue);
  });

  it("refuses a list that is empty or repeats a value, and a position list over 256", () => {
    expect(() => oneOf([])).toThrow(TypeError);
    expect(() => oneOf(["a", "a"])).toThrow(TypeError);
    expect(() => oneOf(Array.from({ length: 257 }, (_, i) => `v${i}`))).toThrow(TypeError);
  });
});
