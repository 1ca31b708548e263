import type { NodeSigning } from "./node-crypto.js";

/** The browser has no node:crypto: the suites choose their pure-JavaScript schemes. */
export type { NodeSigning };
export const nodeSigning: NodeSigning | undefined = undefined;
