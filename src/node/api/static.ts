import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply, RouteShorthandOptions } from "fastify";
import type { RouteModule } from "./routes/types.js";

/**
 * The web console (web/, built by `npm ci` into dist/web) at `/`, same origin as the API.
 * index.html is sent with a fresh CSP nonce per response: scripts only from 'self', styles
 * from 'self' plus the nonce, which Ant Design puts on the style tags it injects (the page
 * reads it from <meta name="csp-nonce">). Its routes are hidden from the OpenAPI document.
 */

// Relative to this module: src/node/api/ from source, dist/src/node/api/ compiled.
const CANDIDATES = ["../../../dist/web", "../../../web"];

/** The pages of the SPA (web/src/App.tsx): each serves index.html and the page routes itself. */
export const CONSOLE_PAGES = [
  "/",
  "/keys",
  "/admin",
  "/enterprise",
  "/marketer",
  "/shop",
  "/shop/:code",
  "/auditor",
  "/operator",
];

export function consoleDir(): string | undefined {
  for (const candidate of CANDIDATES) {
    const dir = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(join(dir, "index.html")) && existsSync(join(dir, "assets"))) return dir;
  }
  return undefined;
}

export function consoleCsp(nonce: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

// @fastify/static marks its routes this way (schemaHide); ours are marked alike.
const hidden: RouteShorthandOptions = { schema: { hide: true } };

/** The console as a route module of the API (routes/index.ts). */
export const consoleRoutes: RouteModule = async (app) => registerConsole(app);

export async function registerConsole(
  app: FastifyInstance,
  dir: string | undefined = consoleDir(),
): Promise<void> {
  if (!dir) {
    app.get("/", hidden, async (_request, reply) =>
      reply
        .status(503)
        .type("text/plain; charset=utf-8")
        .send("the web console is not built: run npm run build:web\n"),
    );
    return;
  }
  const template = readFileSync(join(dir, "index.html"), "utf8");
  const sendIndex = (reply: FastifyReply) => {
    const nonce = randomBytes(16).toString("base64");
    return reply
      .header("content-security-policy", consoleCsp(nonce))
      .header("cache-control", "no-store")
      .header("x-content-type-options", "nosniff")
      .header("referrer-policy", "no-referrer")
      .type("text/html; charset=utf-8")
      .send(template.replaceAll("__CSP_NONCE__", nonce));
  };
  for (const page of CONSOLE_PAGES) app.get(page, hidden, async (_request, reply) => sendIndex(reply));
  await app.register(fastifyStatic, {
    root: join(dir, "assets"),
    prefix: "/assets/",
    index: false,
    schemaHide: true,
    // File names carry their content hash.
    immutable: true,
    maxAge: "365d",
    setHeaders: (reply) => void reply.header("x-content-type-options", "nosniff"),
  });
}
