import type { FastifyInstance } from "fastify";
import type { Prng } from "../../src/consensus/sim/prng.js";
import { inputPrng, MAX_FAILURES, type Progress, progressReporter, type Shard } from "./shard.js";

/**
 * Fuzzing of every API route: requests generated from the node's own OpenAPI document (so a new
 * route is fuzzed the day it is added), seeded, sent through Fastify's inject (the whole request
 * pipeline, no sockets). A route may answer what it likes with 2xx or 4xx, but never 5xx, and
 * every refusal is the documented `{"error": {"code", "message"}}` and nothing else.
 */

interface Parameter {
  readonly name: string;
  readonly in: "path" | "query" | "header";
  readonly schema?: { type?: string; enum?: unknown[]; pattern?: string };
}
export interface Operation {
  readonly method: string;
  /** OpenAPI path, with {params}. */
  readonly path: string;
  readonly parameters: readonly Parameter[];
  readonly hasBody: boolean;
  /** The body takes bytes (application/octet-stream) rather than JSON. */
  readonly binaryBody: boolean;
}

export interface RouteFuzzFailure {
  readonly seed: number;
  readonly index: number;
  readonly request: string;
  readonly problem: string;
}

export interface RouteFuzzReport {
  readonly shard: Shard;
  /** Requests sent (fewer than the shard's count only when it stopped at MAX_FAILURES). */
  readonly done: number;
  /** Per "METHOD /path": requests, answers 2xx, refusals 4xx. */
  readonly byRoute: Record<string, { tried: number; ok: number; refused: number }>;
  readonly failures: RouteFuzzFailure[];
}

/** The operations of an OpenAPI document, with their parameters and whether they take a body. */
export function operationsOf(document: { paths: Record<string, Record<string, unknown>> }): Operation[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, raw]) => {
      const op = raw as { parameters?: Parameter[]; requestBody?: { content?: Record<string, unknown> } };
      return {
        method: method.toUpperCase(),
        path,
        parameters: op.parameters ?? [],
        hasBody: op.requestBody !== undefined,
        binaryBody: Object.keys(op.requestBody?.content ?? {}).includes("application/octet-stream"),
      };
    }),
  );
}

/** Values that break parsers: empty, huge, encoded, unicode, numbers at the edges, prototype keys. */
const HOSTILE = [
  "",
  " ",
  "0",
  "-1",
  "1e3",
  "0x10",
  "18446744073709551616",
  "99999999999999999999999",
  "NaN",
  "null",
  "true",
  "[]",
  "{}",
  "__proto__",
  "constructor",
  "%00",
  "%ff%fe",
  "%",
  "%E4%B8%AD%E6%96%87",
  "中文",
  "../../etc/passwd",
  "a\u0000b",
  "'; DROP TABLE x; --",
  "<script>",
  "org1",
  "IMP-1",
  "paid",
];
const HEX = "0123456789abcdef";

function pick<T>(prng: Prng, values: readonly T[]): T {
  return values[prng.int(values.length)] as T;
}

function randomText(prng: Prng, length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += String.fromCharCode(32 + prng.int(95));
  return out;
}

function hexOf(prng: Prng, bytes: number): string {
  let out = "";
  for (let i = 0; i < bytes * 2; i++) out += HEX[prng.int(16)];
  return out;
}

/** A value for one parameter: one its schema allows, one that looks right, or a hostile one. */
function parameterValue(prng: Prng, parameter: Parameter): string {
  const schema = parameter.schema ?? {};
  switch (prng.int(6)) {
    case 0:
      if (schema.enum !== undefined && schema.enum.length > 0) return String(pick(prng, schema.enum));
      return String(prng.int(50));
    case 1:
      return hexOf(prng, pick(prng, [1, 20, 32, 33, 64, 600]));
    case 2:
      return randomText(prng, prng.int(40));
    case 3:
      return "9".repeat(1 + prng.int(3_000));
    default:
      return pick(prng, HOSTILE);
  }
}

/** A JSON body: something shaped like a request, or anything at all. */
function bodyValue(prng: Prng, depth = 0): unknown {
  switch (prng.int(depth > 3 ? 5 : 9)) {
    case 0:
      return prng.int(1_000_000) - 500_000;
    case 1:
      return pick(prng, HOSTILE);
    case 2:
      return hexOf(prng, prng.int(200));
    case 3:
      return null;
    case 4:
      return prng.int(2) === 0;
    case 5:
      return { tx: hexOf(prng, prng.int(300)) };
    case 6:
      return { txs: Array.from({ length: prng.int(6) }, () => hexOf(prng, prng.int(200))) };
    case 7:
      return Array.from({ length: prng.int(5) }, () => bodyValue(prng, depth + 1));
    default: {
      const out: Record<string, unknown> = {};
      for (let i = prng.int(4); i > 0; i--)
        out[pick(prng, ["tx", "txs", "a", "__proto__", "wait"])] = bodyValue(prng, depth + 1);
      return out;
    }
  }
}

export interface FuzzRequest {
  readonly route: string;
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly payload?: string | Buffer;
}

/**
 * A binary body: random bytes, or a batch's frame (a u32 count, then u32 lengths) whose counts
 * and lengths are right, off by one, zero or huge, around random transaction bytes.
 */
function binaryBody(prng: Prng): Buffer {
  if (prng.int(4) === 0) return Buffer.from(Array.from({ length: prng.int(300) }, () => prng.int(256)));
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n >>> 0);
    return b;
  };
  const edge = (n: number) => pick(prng, [n, n, n, n + 1, Math.max(0, n - 1), 0, 0xffff_ffff, 501]);
  const txs = Array.from({ length: prng.int(5) }, () =>
    Buffer.from(Array.from({ length: prng.int(200) }, () => prng.int(256))),
  );
  return Buffer.concat([u32(edge(txs.length)), ...txs.flatMap((tx) => [u32(edge(tx.length)), tx])]);
}

/** One seeded request against `operation`. */
export function fuzzRequest(prng: Prng, operation: Operation): FuzzRequest {
  let url = operation.path.replace(/\{([^}]+)\}/g, (_, name: string) =>
    encodeURIComponent(parameterValue(prng, { name, in: "path" })),
  );
  const params = operation.parameters.filter((p) => p.in !== "path");
  const query: string[] = [];
  for (const parameter of params) {
    if (prng.int(3) === 0) continue;
    query.push(
      `${encodeURIComponent(parameter.name)}=${encodeURIComponent(parameterValue(prng, parameter))}`,
    );
  }
  if (prng.int(8) === 0) query.push(`${pick(prng, HOSTILE)}=${pick(prng, HOSTILE)}`);
  if (prng.int(16) === 0) query.push(`${query[0] ?? "x=1"}`); // a repeated parameter
  if (prng.int(20) === 0) url += pick(prng, ["/", "//", "/extra", "%2f", "?", "#x"]);
  if (query.length > 0) url += `${url.includes("?") ? "&" : "?"}${query.join("&")}`;
  const method =
    prng.int(24) === 0 ? pick(prng, ["PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]) : operation.method;
  const headers: Record<string, string> = {};
  if (prng.int(6) === 0) headers.accept = pick(prng, ["text/csv", "*/*", "application/xml", "", "\u00ff"]);
  let payload: string | Buffer | undefined;
  if (operation.binaryBody && prng.int(4) !== 0) {
    headers["content-type"] = "application/octet-stream";
    payload = binaryBody(prng);
  } else if (operation.hasBody || prng.int(12) === 0) {
    const kind = prng.int(10);
    headers["content-type"] =
      kind === 0
        ? pick(prng, [
            "text/plain",
            "application/x-www-form-urlencoded",
            "application/json; charset=latin1",
            "multipart/form-data",
            "",
          ])
        : "application/json";
    payload =
      kind === 1
        ? randomText(prng, prng.int(200))
        : kind === 2
          ? `{"tx":"${hexOf(prng, 10)}"`
          : JSON.stringify(bodyValue(prng));
  }
  return {
    route: `${operation.method} ${operation.path}`,
    method,
    url,
    headers,
    ...(payload !== undefined ? { payload } : {}),
  };
}

/** The documented refusal, exactly: `{"error": {"code": CODE, "message": text}}`, no other keys. */
export function isDocumentedRefusal(body: string): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return false;
  }
  if (typeof parsed !== "object" || parsed === null || Object.keys(parsed).join() !== "error") return false;
  const error = (parsed as { error: unknown }).error as Record<string, unknown>;
  return (
    typeof error === "object" &&
    error !== null &&
    Object.keys(error).sort().join() === "code,message" &&
    typeof error.code === "string" &&
    /^[A-Z][A-Z0-9_]*$/.test(error.code) &&
    typeof error.message === "string"
  );
}

/** Probes answer 503 by design, in their own documented shape, when the node is not ready. */
const PROBES = new Set(["/livez", "/readyz", "/healthz"]);

/**
 * Sends the shard's requests, round robin over `operations` (request `index` goes to operation
 * `index mod operations`); collects failures, stopping at MAX_FAILURES. `onProgress` hears every ~10 s.
 */
export async function runRouteFuzz(
  app: FastifyInstance,
  operations: readonly Operation[],
  shard: Shard,
  onProgress?: (progress: Progress) => void,
): Promise<RouteFuzzReport> {
  const { seed, from, count } = shard;
  const byRoute: RouteFuzzReport["byRoute"] = {};
  const failures: RouteFuzzFailure[] = [];
  const progress = progressReporter(10_000, onProgress);
  for (const op of operations) byRoute[`${op.method} ${op.path}`] = { tried: 0, ok: 0, refused: 0 };
  let done = 0;
  for (; done < count && failures.length < MAX_FAILURES; done++) {
    const index = from + done;
    progress({ done, failures: failures.length });
    const operation = operations[index % operations.length] as Operation;
    const request = fuzzRequest(inputPrng(seed, index), operation);
    const counts = byRoute[request.route] as { tried: number; ok: number; refused: number };
    counts.tried++;
    const fail = (problem: string) =>
      failures.push({
        seed,
        index,
        request: `${request.method} ${request.url} ${
          typeof request.payload === "string" ? request.payload : (request.payload?.toString("hex") ?? "")
        }`.slice(0, 400),
        problem,
      });
    let answer: Awaited<ReturnType<FastifyInstance["inject"]>>;
    try {
      answer = await app.inject({
        method: request.method as "GET",
        url: request.url,
        headers: request.headers,
        ...(request.payload !== undefined ? { payload: request.payload } : {}),
      });
    } catch (error) {
      fail(`the request threw: ${(error as Error).message}`);
      continue;
    }
    const { statusCode } = answer;
    if (statusCode >= 200 && statusCode < 400) counts.ok++;
    else if (statusCode === 503 && PROBES.has(operation.path)) counts.ok++;
    else if (statusCode >= 500) fail(`${statusCode}: ${answer.body.slice(0, 200)}`);
    else if (request.method === "HEAD" || isDocumentedRefusal(answer.body)) counts.refused++;
    else fail(`${statusCode} in another shape: ${answer.body.slice(0, 200)}`);
  }
  return { shard, done, byRoute, failures };
}
