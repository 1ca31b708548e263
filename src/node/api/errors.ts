import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { LedgerError } from "../../errors.js";
import { PAYMENT_REQUEST } from "../../sdk/payment-request.js";
import { refusalStatuses } from "../../sdk/signed-request.js";
import type { ErrorJson } from "../../sdk/wire/index.js";
import { isTxRefusal } from "../tx-admission.js";

/** The HTTP status of each stable error code; anything unlisted that we raised is a 400. */
const STATUS_BY_CODE: Record<string, number> = {
  NOT_FOUND: 404,
  HEIGHT_NOT_FOUND: 404,
  // A pruning node no longer keeps that height's state (details: oldestAvailable).
  STATE_PRUNED: 410,
  // A node restored from a snapshot: blocks below it until backfill has them, and their state.
  BLOCK_NOT_YET_BACKFILLED: 404,
  STATE_NOT_HELD: 404,
  TX_TOO_LARGE: 413,
  TX_DUPLICATE: 409,
  TX_NONCE_TOO_LOW: 409,
  TX_NONCE_TAKEN: 409,
  MEMPOOL_FULL: 429,
  MEMPOOL_SENDER_FULL: 429,
  TX_VERIFY_BUDGET: 429,
  RATE_LIMITED: 429,
  SUBSCRIBERS_FULL: 503,
  IDENTITY_UNKNOWN: 403,
  IDENTITY_REVOKED: 403,
  IDENTITY_SUSPENDED: 403,
  PERMISSION_DENIED: 403,
  ROLE_NOT_PERMITTED: 403,
  KEY_RETIRED: 403,
  CERT_EXPIRED: 403,
  // A signer of a removed organisation, or of a role the chain does not know (app/identity/signer.ts).
  ORG_REMOVED: 403,
  ROLE_UNKNOWN: 403,
  INVARIANT_VIOLATED: 500,
  // The embedded monitor behind /v1/ops (routes/ops-proxy.ts) does not answer, or too much.
  MONITOR_UNREACHABLE: 502,
  MONITOR_ANSWER_TOO_LARGE: 502,
  OPS_WRITE_NOT_PERMITTED: 403,
  // The payment simulator (payment-simulator.ts) refuses before signing.
  ORDER_NOT_BASKET: 409,
  ORDER_BAD_STATE: 409,
  PAYMENT_SERVICE_NOT_AUTHORISED: 409,
  PAYMENT_SIMULATOR_OFF: 404,
  // ... and takes a payment only signed by the basket's buyer.
  ...refusalStatuses(PAYMENT_REQUEST),
  PAYMENT_NOT_BUYER: 403,
  PAYMENT_TIMEOUT: 504,
};

export function httpStatusOf(error: LedgerError): number {
  if (STATUS_BY_CODE[error.code] !== undefined) return STATUS_BY_CODE[error.code] as number;
  if (error.code.startsWith("STORE_") || error.code.startsWith("STATE_MISSING")) return 500;
  return 400;
}

export class ApiError extends LedgerError {}

/** 429 RATE_LIMITED that says when to ask again: answered with a Retry-After header of its seconds. */
export class RateLimitedError extends ApiError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super("RATE_LIMITED", message);
  }
}

/**
 * A refusal the client is told about: its input is invalid (isInvalidInput), the pool refused it,
 * or the API did (not found, rate limited). Anything else (an InvariantError, a storage fault) is
 * not the request's fault and must not be answered as if it were.
 */
export function isRefusal(error: unknown): error is LedgerError {
  return isTxRefusal(error) || error instanceof ApiError;
}

export function notFound(what: string): ApiError {
  return new ApiError("NOT_FOUND", `${what} not found`);
}

/** A block below a restored node's snapshot that backfill has not stored yet (historyFrom: where its full history begins). */
export function notYetBackfilled(height: bigint, historyFrom: bigint): ApiError {
  return new ApiError(
    "BLOCK_NOT_YET_BACKFILLED",
    `block ${height} is below this node's snapshot and not yet fetched from its peers: it holds every block from ${historyFrom} on`,
    { height: height.toString(), historyFrom: historyFrom.toString() },
  );
}

/** Fastify's own refusals under our stable codes (their FST_ names are not part of our contract). */
const CODE_BY_FRAMEWORK_ERROR: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  FST_ERR_CTP_BODY_TOO_LARGE: "BODY_TOO_LARGE",
  FST_ERR_CTP_EMPTY_JSON_BODY: "BAD_JSON",
  FST_ERR_CTP_INVALID_JSON_BODY: "BAD_JSON",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "BAD_REQUEST",
  FST_ERR_BAD_URL: "BAD_URL",
  FST_ERR_MAX_PARAM_LENGTH: "URI_TOO_LONG",
};

/** What any other status is called. */
const CODE_BY_STATUS: Record<number, string> = {
  400: "BAD_REQUEST",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  406: "NOT_ACCEPTABLE",
  408: "REQUEST_TIMEOUT",
  413: "BODY_TOO_LARGE",
  414: "URI_TOO_LONG",
  415: "UNSUPPORTED_MEDIA_TYPE",
  429: "RATE_LIMITED",
  431: "HEADERS_TOO_LARGE",
  503: "UNAVAILABLE",
};

const body = (code: string, message: string): ErrorJson => ({ error: { code, message } });

/** An error raised while handling a request, as its status and the documented error body. */
export function refusalOf(error: unknown): { status: number; body: ErrorJson } {
  if (error instanceof LedgerError) {
    return { status: httpStatusOf(error), body: body(error.code, error.message) };
  }
  const fastifyError = error as Partial<FastifyError>;
  if (hasZodFastifySchemaValidationErrors(fastifyError)) {
    const where = fastifyError.validationContext ?? "request";
    const message = fastifyError.validation
      .map(
        (issue) => `${where}${issue.instancePath.replaceAll("/", ".").replace(/\.$/, "")}: ${issue.message}`,
      )
      .join("; ");
    return { status: 400, body: body("BAD_REQUEST", message) };
  }
  const status =
    fastifyError.statusCode !== undefined && fastifyError.statusCode >= 400 ? fastifyError.statusCode : 500;
  if (status >= 500) return { status, body: body("INTERNAL", "the node failed to answer; see its log") };
  const code = CODE_BY_FRAMEWORK_ERROR[fastifyError.code ?? ""] ?? CODE_BY_STATUS[status] ?? "BAD_REQUEST";
  return { status, body: body(code, fastifyError.message ?? STATUS_CODES[status] ?? "refused") };
}

/** Fastify's routing refusals (a malformed URL, a parameter too long) in the documented shape. */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = refusalOf(error);
  void reply.status(status).send(body);
}

/**
 * Errors Node's HTTP parser meets before Fastify sees a request (headers too large, a request
 * line that is not HTTP, a timeout): answered in the documented shape, then the socket closes.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const [status, code, message] =
    error.code === "ERR_HTTP_REQUEST_TIMEOUT"
      ? [408, "REQUEST_TIMEOUT", "the request did not arrive in time"]
      : error.code === "HPE_HEADER_OVERFLOW"
        ? [431, "HEADERS_TOO_LARGE", "the request line and headers are too large"]
        : error.code === "HPE_URI_TOO_LONG"
          ? [414, "URI_TOO_LONG", "the URL is too long"]
          : [400, "BAD_REQUEST", "the request is not valid HTTP"];
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const json = JSON.stringify(body(code, message));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`,
  );
  // A client that never reads must not keep the socket: it goes once the answer is out, or soon.
  socket.setTimeout(1_000, () => socket.destroy());
}
