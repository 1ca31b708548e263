import { createServer } from "node:net";
import { basename } from "node:path";
import { loadNodeConfig } from "../../node/config.js";
import { nodeHomes } from "../network-up.js";
import { NetworkError } from "./errors.js";

export interface Listener {
  readonly what: string;
  readonly host: string;
  readonly port: number;
}

/** Every listener the nodes of a network on this machine will open (API, p2p, metrics). */
export function listenersOf(networkDir: string): Listener[] {
  return nodeHomes(networkDir).flatMap((home) => {
    const name = basename(home);
    const config = loadNodeConfig(home, {});
    return [
      { what: `${name} API`, ...config.api },
      ...(config.p2p ? [{ what: `${name} p2p`, host: config.p2p.host, port: config.p2p.port }] : []),
      ...(config.metrics
        ? [{ what: `${name} metrics`, host: config.metrics.host, port: config.metrics.port }]
        : []),
    ].filter((listener) => listener.port !== 0);
  });
}

function tryListen(listener: Listener): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) => resolve(error));
    server.listen({ host: listener.host, port: listener.port, exclusive: true }, () =>
      server.close(() => resolve(undefined)),
    );
  });
}

/**
 * Refuses, before any node starts, when a port the network needs is taken: one line naming the
 * port, the node and what to do, instead of a node dying half way through starting the others.
 */
export async function refuseBusyPorts(listeners: readonly Listener[], hint: string): Promise<void> {
  for (const listener of listeners) {
    const error = await tryListen(listener);
    if (error === undefined) continue;
    const reason =
      error.code === "EADDRINUSE" ? "is in use" : `cannot be opened (${error.code ?? error.message})`;
    throw new NetworkError(
      "NETWORK_PORT_BUSY",
      `port ${listener.port} on ${listener.host} (${listener.what}) ${reason}: ${hint}`,
      { ...listener, errno: error.code },
    );
  }
}
