import { MarketLedgerClient } from "../../../src/sdk/client.js";

/** The SDK client of the node that served this page (same origin: no CORS). */
export const client = new MarketLedgerClient(typeof window === "undefined" ? "" : window.location.origin);
