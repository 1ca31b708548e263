import type { z } from "zod";
import { LedgerError } from "../../errors.js";

/** Parses a request part (body, params, query) with a schema; any issue is one BAD_REQUEST. */
export function parseRequest<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const message = parsed.error.issues
      .map((i) => `${i.path.join(".") || "request"}: ${i.message}`)
      .join("; ");
    throw new LedgerError("BAD_REQUEST", message);
  }
  return parsed.data;
}
