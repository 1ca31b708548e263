import type { SwaggerOptions } from "@fastify/swagger";
import { jsonSchemaTransform, jsonSchemaTransformObject } from "fastify-type-provider-zod";
import { NODE_VERSION } from "../node.js";

/**
 * How /openapi.json is made: @fastify/swagger collects every registered route, and the zod type
 * provider turns each route's schemas (the same ones that validate it) into JSON Schema.
 */
export const OPENAPI_OPTIONS: SwaggerOptions = {
  openapi: {
    openapi: "3.1.0",
    info: {
      title: "MarketLedger node API",
      version: NODE_VERSION,
      description:
        "JSON over HTTP; bytes are lowercase hex, integers that may pass 2^53 are decimal strings. Every refusal is `{error: {code, message}}` with a stable code.",
    },
  },
  transform: jsonSchemaTransform,
  transformObject: (document) => withoutUnusedSchemas(jsonSchemaTransformObject(document)),
};

type Document = ReturnType<typeof jsonSchemaTransformObject>;

/** Every named schema is offered as input and output; keep only those the document refers to. */
function withoutUnusedSchemas(document: Document): Document {
  const { components, ...rest } = document as { components?: { schemas?: Record<string, unknown> } };
  const schemas = components?.schemas ?? {};
  const used = new Set<string>();
  const visit = (value: unknown) => {
    for (const [, name] of JSON.stringify(value).matchAll(/"#\/components\/schemas\/([^"]+)"/g)) {
      if (name !== undefined && !used.has(name)) {
        used.add(name);
        visit(schemas[name]);
      }
    }
  };
  visit(rest);
  const kept = Object.fromEntries(Object.entries(schemas).filter(([name]) => used.has(name)));
  return { ...document, components: { ...components, schemas: kept } } as Document;
}
