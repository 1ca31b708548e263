import { z } from "zod";
import { orgIdField } from "../../app/operations/input.js";
import { normaliseUserCode } from "../../pki/user-code.js";
import { decimal, hex32 } from "./common.js";

/**
 * The filtered event stream (WebSocket /v1/events with a query): which events, from which
 * height, and the one message per block it sends.
 */

const EVENT_KIND = /^[A-Za-z][A-Za-z0-9]{0,63}$/;

export const eventsQuerySchema = z.strictObject({
  kinds: z
    .string()
    .transform((s) => s.split(",").filter((k) => k !== ""))
    .refine((ks) => ks.length <= 64 && ks.every((k) => EVENT_KIND.test(k)), "comma-separated event types")
    .optional()
    .describe("only these event types, comma-separated (orderPaid,commissionSettled,...)"),
  enterprise: orgIdField.optional().describe("only events of this enterprise (organisation id)"),
  payee: z
    .string()
    .max(90)
    .transform((s, ctx) => {
      try {
        return normaliseUserCode(s);
      } catch {
        ctx.addIssue({ code: "custom", message: "not a valid user code" });
        return z.NEVER;
      }
    })
    .optional()
    .describe("only events naming this user code (as payee, marketer, code ...)"),
  fromHeight: z
    .string()
    .regex(/^(0|[1-9][0-9]{0,19})$/, "a decimal height")
    .transform(BigInt)
    .optional()
    .describe("replay from this height (default: the next block), then follow live"),
  txs: z
    .enum(["true", "false"])
    .optional()
    .describe("true: each message also lists every transaction of the block, event or not (for indexers)"),
});
export type EventsQueryInput = z.input<typeof eventsQuerySchema>;

export const feedEventSchema = z
  .object({
    id: z
      .string()
      .describe("HEIGHT-TXINDEX-N, or HEIGHT-end-N for end-block work: the same on every node and replay"),
    type: z.string(),
    txHash: hex32.nullable().describe("the transaction that raised it; null for end-block work"),
    txIndex: z.number().int().nullable(),
    attributes: z.record(z.string(), z.string()),
  })
  .meta({ id: "FeedEvent" });
export type FeedEventJson = z.infer<typeof feedEventSchema>;

export const blockEventsSchema = z
  .object({
    type: z.literal("events"),
    height: decimal,
    timeMs: decimal,
    hash: hex32,
    events: z.array(feedEventSchema).describe("the block's events the filter keeps, in order (maybe none)"),
    txs: z
      .array(z.object({ hash: hex32, index: z.number().int(), code: z.string() }))
      .optional()
      .describe("with txs=true: every transaction of the block, its index and result code"),
  })
  .meta({ id: "BlockEvents", description: "one per block of a filtered subscription, in height order" });
export type BlockEventsJson = z.infer<typeof blockEventsSchema>;
