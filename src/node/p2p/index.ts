/** Node-to-node transport: mutually authenticated TLS 1.3 links carrying opaque messages. */
export { type BackoffPolicy, backoffDelayMs, DEFAULT_BACKOFF } from "./backoff.js";
export { P2pError, type P2pErrorCode } from "./errors.js";
export { BINDING_LABEL, HELLO_DOMAIN } from "./hello.js";
export type { Priority } from "./queue.js";
export { Transport } from "./transport.js";
export type { PeerAddress, PeerInfo, Refusal, TransportOptions } from "./types.js";
