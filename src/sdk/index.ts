/** The MarketLedger SDK: build and sign transactions, talk to a node, verify what it says. */
export * from "./client.js";
export * from "./event-filter.js";
export * from "./events.js";
export * from "./ops-request.js";
export * from "./payment-request.js";
export * from "./sender.js";
export * from "./signed-request.js";
export * from "./transactions.js";
export * from "./verify.js";
/** The API's schemas, for clients that check answers themselves (the client already does). */
export * as wire from "./wire/index.js";
