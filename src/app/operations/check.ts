import type { z } from "zod";
import { decode, encode } from "../../ledger/codec.js";
import { CodecError } from "../../ledger/errors.js";
import { isOperationError } from "../errors.js";
import { setRoyaltyPolicyValueSchema } from "../marketing/policy-schema.js";
import type { OperationHandler } from "../operation.js";
import { OPERATIONS, type Operation, type OperationKind, operationCodec } from "./index.js";
import { describeIssues, OperationInputError } from "./input-error.js";

/**
 * The check a client makes before it signs an operation. The encoder writes only the fields
 * its codec knows, so a misspelt or invented field (a policy's "bonusBps") would vanish from the
 * signed bytes and the rest be published as if it were meant: here any field the codec does not
 * know is refused. Then the operation's stateless check is run, the very function the node runs
 * before executing it (OperationHandler.checkValue), so a client refuses what the chain would
 * refuse without state: a zero amount, an empty basket, a bad import row, a bad policy.
 */

/**
 * Schemas that name every wrong field at once where the node's check names the first: the
 * policy schema is the one the node's check (checkPolicy) applies.
 */
const NODE_SCHEMAS: { [K in OperationKind]?: z.ZodType } = {
  setRoyaltyPolicy: setRoyaltyPolicyValueSchema,
};

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** Paths of the fields of `given` that its decoded round trip `known` does not have. */
function unknownFields(given: unknown, known: unknown, path: string): string[] {
  if (Array.isArray(given) && Array.isArray(known)) {
    return given.flatMap((g, i) => unknownFields(g, known[i], `${path}${i}.`));
  }
  if (!isRecord(given) || !isRecord(known)) return [];
  return Object.entries(given).flatMap(([name, value]) => {
    if (value === undefined) return [];
    if (!Object.hasOwn(known, name)) return [`${path}${name}: unknown field`];
    return unknownFields(value, known[name], `${path}${name}.`);
  });
}

/** Throws OperationInputError naming every field the chain would not take as given. */
export function checkOperation(op: Operation): void {
  let roundTrip: Operation;
  try {
    roundTrip = decode(operationCodec, encode(operationCodec, op));
  } catch (e) {
    if (e instanceof CodecError) throw new OperationInputError(String(op.kind), [e.message]);
    throw e;
  }
  const unknown = unknownFields(op.value, roundTrip.value, "");
  if (unknown.length > 0) throw new OperationInputError(op.kind, unknown);
  const parsed = NODE_SCHEMAS[op.kind]?.safeParse(op.value);
  if (parsed && !parsed.success) {
    throw new OperationInputError(op.kind, describeIssues(parsed.error));
  }
  checkStateless(op);
}

/** The node's own stateless check of `op`; its refusal becomes an OperationInputError naming the code. */
export function checkStateless(op: Operation): void {
  const handler = OPERATIONS[op.kind] as OperationHandler<unknown>;
  try {
    handler.checkValue?.(op.value);
  } catch (e) {
    if (isOperationError(e)) throw new OperationInputError(op.kind, [`${e.code}: ${e.message}`]);
    throw e;
  }
}
