import type { z } from "zod";
import type { eventsQuerySchema, FeedEventJson } from "./wire/events.js";

/** Which events of the stream a subscriber keeps; the node and every consumer match with this. */
export interface EventFilter {
  readonly kinds?: ReadonlySet<string>;
  readonly enterprise?: string;
  /** A user code: the events that name it in any attribute (payee, marketer, code ...). */
  readonly payee?: string;
}

export function eventFilterOf(query: z.output<typeof eventsQuerySchema>): EventFilter {
  return {
    ...(query.kinds === undefined ? {} : { kinds: new Set(query.kinds) }),
    ...(query.enterprise === undefined ? {} : { enterprise: query.enterprise }),
    ...(query.payee === undefined ? {} : { payee: query.payee }),
  };
}

export function matchesFilter(
  filter: EventFilter,
  event: Pick<FeedEventJson, "type" | "attributes">,
): boolean {
  if (filter.kinds && !filter.kinds.has(event.type)) return false;
  if (filter.enterprise !== undefined && event.attributes.enterprise !== filter.enterprise) return false;
  if (filter.payee !== undefined && !Object.values(event.attributes).includes(filter.payee)) return false;
  return true;
}
