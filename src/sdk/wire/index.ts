/**
 * The node API's wire contract as zod schemas: the node validates its requests and answers
 * with them and generates /openapi.json from them; the SDK's types are inferred from them.
 */
export * from "./chain.js";
export * from "./common.js";
export * from "./events.js";
export * from "./governance.js";
export * from "./marketing.js";
export * from "./node.js";
export * from "./tx-batch.js";
