import {
  REQUEST_WINDOW_MS,
  type RequestScheme,
  type SignedRequestFields,
  signedInit,
  signedRequestBytes,
  signRequest,
} from "./signed-request.js";

/**
 * Signed operator requests: every write to the monitor's `/v1/ops` API (acknowledge an alert,
 * create or remove a silence, reload the rules) is a signed request (signed-request.ts) of this
 * scheme. The monitor checks the signature, refuses a stale time or a nonce it took, and asks a
 * node whether the key is a registered, active identity of a role that may operate
 * (src/ops/monitor/operator-auth.ts).
 */
export const OPS_HEADERS = {
  key: "mkl-ops-key",
  time: "mkl-ops-time",
  nonce: "mkl-ops-nonce",
  signature: "mkl-ops-signature",
} as const;

export const OPS_REQUEST: RequestScheme = {
  tag: "MKL/ops-request/v1",
  headers: OPS_HEADERS,
  codes: {
    unsigned: "OPS_UNSIGNED",
    invalid: "OPS_SIGNATURE_INVALID",
    stale: "OPS_REQUEST_STALE",
    replayed: "OPS_REQUEST_REPLAYED",
  },
  signers: "an operator's key (mkl ops and the console sign)",
};

/** The roles that may operate the monitor: who runs the platform and who runs its nodes. */
export const OPERATOR_ROLES = ["platform-operator", "node-operator"] as const;

/** How far a request's time may be from the monitor's clock, either way. */
export const OPS_REQUEST_WINDOW_MS = REQUEST_WINDOW_MS;

export type OpsRequestFields = SignedRequestFields;

/** The bytes an operator signs (signedRequestBytes of this scheme). */
export const opsRequestBytes = (f: OpsRequestFields): Uint8Array => signedRequestBytes(OPS_REQUEST, f);

/** The four headers of a signed operator request (signRequest of this scheme). */
export const signOpsRequest = (...args: DropFirst<Parameters<typeof signRequest>>): Record<string, string> =>
  signRequest(OPS_REQUEST, ...args);

type DropFirst<T extends unknown[]> = T extends [unknown, ...infer Rest] ? Rest : never;

/** `signedInit` of an operator request to `/v1/ops/...`. */
export const signedOpsInit = (...args: DropFirst<Parameters<typeof signedInit>>): RequestInit =>
  signedInit(OPS_REQUEST, ...args);
