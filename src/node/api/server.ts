import swagger from "@fastify/swagger";
import websocket from "@fastify/websocket";
import Fastify, { type FastifyError, type FastifyInstance } from "fastify";
import {
  hasZodFastifySchemaValidationErrors,
  serializerCompiler,
  validatorCompiler,
} from "fastify-type-provider-zod";
import { LedgerError } from "../../errors.js";
import type { LedgerNode } from "../node.js";
import { httpStatusOf } from "./errors.js";
import { OPENAPI_OPTIONS } from "./openapi.js";
import { ROUTE_MODULES } from "./routes/index.js";

/** Every route registered, as "METHOD /path" with OpenAPI-style {params}: tests hold the document to it. */
export const registeredRoutes = new WeakMap<FastifyInstance, string[]>();

/** A request part that failed its schema, as one readable message ("body.tx: tx must be hex"). */
function validationMessage(error: FastifyError): string {
  const where = error.validationContext ?? "request";
  return (error.validation ?? [])
    .map((issue) => `${where}${issue.instancePath.replaceAll("/", ".").replace(/\.$/, "")}: ${issue.message}`)
    .join("; ");
}

/** The node's HTTP + WebSocket API; its routes live in ./routes, one module per resource. */
export async function buildApi(node: LedgerNode): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: 8 * 1024 * 1024 });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  const routes: string[] = [];
  registeredRoutes.set(app, routes);
  app.addHook("onRoute", (route) => {
    if ((route.schema as { hide?: boolean } | undefined)?.hide) return; // the console's pages and files
    for (const method of [route.method].flat()) {
      if (method !== "HEAD") routes.push(`${method} ${route.url.replace(/:(\w+)/g, "{$1}")}`);
    }
  });
  await app.register(swagger, OPENAPI_OPTIONS);
  await app.register(websocket, { options: { maxPayload: 4096 } });

  app.setErrorHandler((error: FastifyError, _request, reply) => {
    if (error instanceof LedgerError) {
      const status = httpStatusOf(error);
      if (status >= 500) node.log.error({ err: error }, "request failed");
      return reply.status(status).send({ error: { code: error.code, message: error.message } });
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      return reply.status(400).send({ error: { code: "BAD_REQUEST", message: validationMessage(error) } });
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) node.log.error({ err: error }, "request failed");
    const code = status >= 500 ? "INTERNAL" : "BAD_REQUEST";
    return reply.status(status).send({ error: { code, message: error.message } });
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send({ error: { code: "NOT_FOUND", message: `no route ${request.method} ${request.url}` } }),
  );

  for (const module of ROUTE_MODULES) await app.register(module, { node });
  return app;
}
