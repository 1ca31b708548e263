import { z } from "zod";
import { fromHex } from "../../ledger/bytes.js";
import { errorSchema } from "../../sdk/wire/index.js";

/**
 * Request parts every route module parses the same way: hex that becomes bytes, heights that
 * become bigints. Route schemas are validated before a handler runs, so handlers get typed values.
 */

export const hexBytes = (what: string, maxBytes: number) =>
  z
    .string()
    .regex(/^(?:[0-9a-fA-F]{2})*$/, `${what} must be hex`)
    .max(maxBytes * 2, `${what} is longer than ${maxBytes} bytes`)
    .transform((s) => fromHex(s));

export const heightString = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,19})$/, "height must be a decimal integer")
  .describe("a block height (decimal)");
export const height = heightString.transform(BigInt);

export const signedTxHex = hexBytes("tx", 64 * 1024)
  .refine((b) => b.length > 0, "tx is empty")
  .describe("a signed transaction's canonical encoding, hex");

export const hash32 = hexBytes("hash", 32).refine((b) => b.length === 32, "hash is 32 bytes");

/** Every route answers refusals in one shape; the ranges cover the framework's own refusals too. */
const refusal = (description: string) => ({
  description,
  content: { "application/json": { schema: errorSchema } },
});
export const refusals = {
  "4xx": refusal("refused: bad input, unknown, conflicting, forbidden or rate limited; `code` says which"),
  "5xx": refusal("the node failed; `code` is INTERNAL or a storage code"),
} as const;
