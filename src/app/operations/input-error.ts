import type { z } from "zod";
import { LedgerError } from "../../errors.js";

/** An operation a client was about to sign, or a JSON value, that the chain would refuse: every wrong field named. */
export class OperationInputError extends LedgerError {
  constructor(kind: string, issues: string[]) {
    super("OPERATION_INPUT_INVALID", `${kind}: ${issues.join("; ")}`, { kind, issues });
  }
}

/** Issues of a zod parse as "path: message" lines. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.join(".") || "value"}: ${i.message}`);
}
