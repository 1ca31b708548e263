import { z } from "zod";

/**
 * Building blocks of the node API's wire format: bytes are lowercase hex, integers that may pass
 * 2^53 are decimal strings, and every refusal is one error object with a stable code.
 */

export const hex = z.string().regex(/^([0-9a-f]{2})*$/, "lowercase hex");
export const hex32 = z.string().regex(/^[0-9a-f]{64}$/, "32 bytes of lowercase hex");
export const decimal = z
  .string()
  .regex(/^(0|[1-9][0-9]*)$/, "a decimal integer")
  .describe("an integer as a decimal string");
export const userCode = z.string().describe("a user code (mkl1…)");

export const errorSchema = z
  .object({
    error: z.object({
      code: z.string().describe("stable: clients branch on it"),
      message: z.string().describe("for people; may change"),
    }),
  })
  .meta({ id: "Error", description: "refused; `code` is stable, `message` is for people" });
export type ErrorJson = z.infer<typeof errorSchema>;

/**
 * A JSON view of a ledger value: bigint as decimal string, bytes as hex or a user code, and a
 * field that may be undefined as an optional key (JSON.stringify leaves it out).
 */
export type Json<T> = T extends bigint
  ? string
  : T extends Uint8Array
    ? string
    : T extends readonly (infer E)[]
      ? Json<E>[]
      : T extends object
        ? JsonObject<T>
        : T;
type MaybeKeys<T> = { [K in keyof T]-?: undefined extends T[K] ? K : never }[keyof T];
type JsonObject<T> = { -readonly [K in Exclude<keyof T, MaybeKeys<T>>]: Json<T[K]> } & {
  -readonly [K in MaybeKeys<T>]?: Json<Exclude<T[K], undefined>> | undefined;
};

/** True when A and B are assignable both ways: a schema and the view it describes agree. */
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export type Assert<T extends true> = T;
