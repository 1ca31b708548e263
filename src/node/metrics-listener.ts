import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { NodeMetrics } from "./metrics.js";

/**
 * `/metrics` on a listener of its own (config `metrics.host`/`metrics.port`), as CometBFT and
 * Fabric do, so that exposing the figures to a Prometheus does not expose the API. It serves
 * nothing else; any other request gets the API's error shape.
 */
export async function listenForMetrics(
  metrics: NodeMetrics,
  host: string,
  port: number,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? "").split("?")[0];
    if (request.method !== "GET" || path !== "/metrics") {
      response.writeHead(404, { "content-type": "application/json" });
      response.end(
        JSON.stringify({ error: { code: "NOT_FOUND", message: "this listener serves GET /metrics only" } }),
      );
      return;
    }
    metrics.text().then(
      (text) => {
        response.writeHead(200, { "content-type": metrics.contentType });
        response.end(text);
      },
      () => {
        response.writeHead(500, { "content-type": "application/json" });
        response.end(
          JSON.stringify({ error: { code: "METRICS_FAILED", message: "the figures could not be read" } }),
        );
      },
    );
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.maxConnections = 64;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const { address, port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${address.includes(":") ? `[${address}]` : address}:${bound}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
