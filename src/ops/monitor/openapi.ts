/** The monitor API's OpenAPI document (served at /openapi.json; a test holds it to the routes). */
const json = (description: string, schema: Record<string, unknown> = { type: "object" }) => ({
  description,
  content: { "application/json": { schema } },
});
const error = json("a typed error", {
  type: "object",
  properties: {
    error: { type: "object", properties: { code: { type: "string" }, message: { type: "string" } } },
  },
});
const param = (name: string, where: "path" | "query", description: string, required = where === "path") => ({
  name,
  in: where,
  required,
  description,
  schema: { type: "string" },
});

/** A write's refusals when it is not a good signed operator request (src/sdk/ops-request.ts). */
const signed = {
  security: [{ operatorKey: [], operatorTime: [], operatorNonce: [], operatorSignature: [] }],
  refusals: {
    401: json(
      "OPS_UNSIGNED, OPS_SIGNATURE_INVALID or OPS_REQUEST_STALE",
      error.content["application/json"].schema,
    ),
    403: json(
      "the signer may not operate: IDENTITY_UNKNOWN, KEY_RETIRED, IDENTITY_REVOKED, ORG_REMOVED, CERT_EXPIRED or ROLE_NOT_PERMITTED",
      error.content["application/json"].schema,
    ),
    409: json("OPS_REQUEST_REPLAYED: the nonce was already taken", error.content["application/json"].schema),
    502: json(
      "NODE_UNREACHABLE: no node answers who the signer is",
      error.content["application/json"].schema,
    ),
  },
};
const header = (name: string, description: string) => ({ type: "apiKey", in: "header", name, description });

export const MONITOR_OPENAPI = {
  openapi: "3.1.0",
  info: {
    title: "MarketLedger monitor",
    version: "1",
    description:
      "The operations monitor: every node's figures and reachability, history for charts, early-warning rules and alerts. Every write but a governance transaction (which carries its own signature) is a signed operator request: the four mkl-ops-* headers, signed by a platform-operator or node-operator identity registered on the chain, over the domain tag MKL/ops-request/v1 followed by the JSON array [METHOD, path and query, time ms, nonce hex, public key hex, the body's JSON with sorted keys ({} for none)].",
  },
  components: {
    securitySchemes: {
      operatorKey: header("mkl-ops-key", "the operator's public key, hex"),
      operatorTime: header(
        "mkl-ops-time",
        "when it was signed, ms since 1970 (within 5 minutes of the monitor's clock)",
      ),
      operatorNonce: header("mkl-ops-nonce", "16 random bytes or more, hex, never used twice"),
      operatorSignature: header("mkl-ops-signature", "the signature of the request's canonical bytes, hex"),
    },
  },
  paths: {
    "/openapi.json": { get: { summary: "this document", responses: { 200: json("the document") } } },
    "/v1/ops/network": {
      get: {
        summary: "the network at a glance: nodes up, best height, alerts firing",
        responses: { 200: json("summary") },
      },
    },
    "/v1/ops/nodes": {
      get: {
        summary: "every node now: reachable, height, lag behind the best, round, peers, mempool, alerts",
        responses: { 200: json("nodes") },
      },
    },
    "/v1/ops/nodes/{node}/series": {
      get: {
        summary: "the series a node has reported (keys for /v1/ops/series)",
        parameters: [param("node", "path", "the node's name")],
        responses: { 200: json("series keys"), 404: error },
      },
    },
    "/v1/ops/series": {
      get: {
        summary:
          "points of one series for a chart (full resolution for recent hours, minute averages before)",
        parameters: [
          param("node", "query", "the node's name", true),
          param(
            "series",
            "query",
            'a series key, e.g. mkl_block_height or mkl_txs_rejected_total{code="X"}',
            true,
          ),
          param("from", "query", "start, Unix ms (default: an hour ago)"),
          param("to", "query", "end, Unix ms (default: now)"),
          param("maxPoints", "query", "at most this many points, averaged (default 500)"),
        ],
        responses: { 200: json("points"), 400: error },
      },
    },
    "/v1/ops/rules": { get: { summary: "the rules in force", responses: { 200: json("rules") } } },
    "/v1/ops/rules/reload": {
      post: {
        summary: "read the monitor's file again; a bad file is refused and the rules in force stay",
        security: signed.security,
        responses: { 200: json("count of rules"), 400: error, ...signed.refusals },
      },
    },
    "/v1/ops/alerts": { get: { summary: "pending and firing alerts", responses: { 200: json("alerts") } } },
    "/v1/ops/alerts/history": {
      get: { summary: "resolved alerts, newest first", responses: { 200: json("alerts") } },
    },
    "/v1/ops/alerts/{id}/ack": {
      post: {
        summary: "acknowledge an active alert (recorded as by the signer's user code)",
        parameters: [param("id", "path", "the alert's id")],
        security: signed.security,
        requestBody: {
          content: {
            "application/json": { schema: { type: "object", additionalProperties: false } },
          },
        },
        responses: { 200: json("the alert"), 404: error, ...signed.refusals },
      },
    },
    "/v1/ops/silences": {
      get: { summary: "silences in force", responses: { 200: json("silences") } },
      post: {
        summary: "silence the notifications of alerts matching a rule and/or node for a duration",
        requestBody: {
          content: {
            "application/json": {
              schema: {
                type: "object",
                required: ["duration"],
                properties: {
                  rule: { type: "string" },
                  node: { type: "string" },
                  duration: { type: "string", example: "1h" },
                  comment: { type: "string" },
                },
              },
            },
          },
        },
        security: signed.security,
        responses: {
          201: json("the silence, with the signer's user code as by"),
          400: error,
          ...signed.refusals,
        },
      },
    },
    "/v1/ops/silences/{id}": {
      delete: {
        summary: "end a silence",
        parameters: [param("id", "path", "the silence's id")],
        security: signed.security,
        responses: { 200: json("removed"), 404: error, ...signed.refusals },
      },
    },
    "/v1/ops/notifiers": {
      get: {
        summary: "each webhook and email notifier: delivered, failed, last error",
        responses: { 200: json("notifiers") },
      },
    },
    "/v1/ops/governance/proposals": {
      get: {
        summary:
          "governance proposals (validators, organisations, observers, node certificates), pending and scheduled, with the organisations that approved and the approvals needed (from the best node)",
        responses: { 200: json("proposals"), 502: error },
      },
    },
    "/v1/ops/governance/txs": {
      post: {
        summary:
          "forward a signed governance transaction (proposeGovernance, approveProposal) to the best node; answers once it is committed",
        requestBody: {
          content: {
            "application/json": {
              schema: {
                type: "object",
                required: ["tx"],
                properties: { tx: { type: "string", description: "the signed transaction, hex" } },
              },
            },
          },
        },
        responses: { 200: json("the committed transaction's result"), 400: error, 502: error },
      },
    },
  },
} as const;
