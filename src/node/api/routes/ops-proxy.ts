import { BlockList, isIPv6 } from "node:net";
import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { OPS_HEADERS } from "../../../sdk/ops-request.js";
import { ApiError } from "../errors.js";
import { refusals } from "../params.js";
import type { RouteModule } from "./types.js";

/** Longest the monitor may take, and the largest answer passed on (series are bounded by maxPoints). */
const TIMEOUT_MS = 10_000;
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

/**
 * Whether a client at `address` may write (acknowledge, silence) through the proxy: it is one of
 * `writers`, addresses or CIDR subnets of either family. An IPv4 client seen as ::ffff:a.b.c.d
 * (a dual-stack listener) is matched as a.b.c.d: BlockList matches IPv4-mapped addresses
 * against IPv4 rules itself.
 */
export function opsWriterCheck(writers: readonly string[]): (address: string) => boolean {
  const allowed = new BlockList();
  for (const entry of writers) {
    const [net, prefix] = entry.split("/") as [string, string | undefined];
    const family = isIPv6(net) ? "ipv6" : "ipv4";
    if (prefix === undefined) allowed.addAddress(net, family);
    else allowed.addSubnet(net, Number(prefix), family);
  }
  return (address) => allowed.check(address, isIPv6(address) ? "ipv6" : "ipv4");
}

/** The signed operator request's headers, passed on as they came (the monitor checks them). */
function signatureHeaders(request: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.values(OPS_HEADERS)) {
    const value = request.headers[name];
    if (typeof value === "string") out[name] = value;
  }
  return out;
}

/**
 * `/v1/ops/...` of the embedded monitor, on this node's own origin: the console's CSP allows
 * `connect-src 'self'` only, and the monitor listens on another port. Registered only when the
 * node's config names the monitor (`opsProxy.url`); the path and query pass on unchanged, the
 * method, a JSON body and the operator's signature headers too, and the monitor's status and JSON
 * come back as they are. The monitor takes a write only when an operator's chain identity signed
 * it; the node takes it only from the configured writers (`opsProxy.writers`, this machine by
 * default), a second fence by network position.
 */
export const opsProxyRoutes: RouteModule = async (app, { node }) => {
  const proxy = node.config.opsProxy;
  if (proxy === undefined) return;
  const target = proxy.url;
  const mayWrite = opsWriterCheck(proxy.writers);
  const forward = async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.method !== "GET" && !mayWrite(request.ip)) {
      throw new ApiError(
        "OPS_WRITE_NOT_PERMITTED",
        `${request.method} /v1/ops from ${request.ip} is refused: alerts are acknowledged and silenced only from opsProxy.writers (${proxy.writers.join(", ")})`,
      );
    }
    const url = new URL(request.url, target); // request.url is a path under /v1/ops: same host
    const body =
      request.method === "GET" || request.method === "DELETE"
        ? undefined
        : JSON.stringify(request.body ?? {});
    let answer: Response;
    try {
      answer = await fetch(url, {
        method: request.method,
        signal: AbortSignal.timeout(TIMEOUT_MS),
        headers: {
          ...signatureHeaders(request),
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body }),
      });
    } catch (error) {
      throw new ApiError(
        "MONITOR_UNREACHABLE",
        `the monitor at ${target} does not answer: ${(error as Error).message}`,
      );
    }
    // A declared length over the cap is refused unread; an undeclared one is measured once read.
    const declared = Number(answer.headers.get("content-length") ?? 0);
    if (declared > MAX_ANSWER_BYTES) {
      await answer.body?.cancel();
      throw new ApiError("MONITOR_ANSWER_TOO_LARGE", `the monitor answered ${declared} bytes`);
    }
    const bytes = Buffer.from(await answer.arrayBuffer());
    if (bytes.length > MAX_ANSWER_BYTES)
      throw new ApiError("MONITOR_ANSWER_TOO_LARGE", `the monitor answered ${bytes.length} bytes`);
    return reply.status(answer.status).type("application/json").send(bytes);
  };
  const schema = (method: string) => ({
    operationId: `ops${method}`,
    tags: ["operations"],
    summary: `${method.toUpperCase()} of the embedded monitor's /v1/ops API (its own OpenAPI document describes each path), on this node's origin`,
    response: { 200: z.unknown().describe("the monitor's answer, as it gave it"), ...refusals },
  });
  app.get("/v1/ops/*", { schema: schema("Get") }, forward);
  app.post("/v1/ops/*", { schema: schema("Post") }, forward);
  app.delete("/v1/ops/*", { schema: schema("Delete") }, forward);
};
