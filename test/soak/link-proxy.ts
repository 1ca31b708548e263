import { readFileSync, writeFileSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";

/**
 * A TCP proxy in this process for every directed p2p link of a network (node i dialling node j goes
 * through its own port), so the harness can cut a node off, split the network, or slow a node's
 * links, without network namespaces. A cut link destroys its sockets and refuses new ones, as a
 * partition looks to TCP once keep-alives give up; a slow link delays every chunk, in order.
 */
interface Link {
  readonly from: number;
  readonly to: number;
  readonly server: Server;
  readonly sockets: Set<Socket>;
}

interface PeerEntry {
  id: string;
  host: string;
  port: number;
}

export class LinkProxies {
  private readonly links: Link[] = [];
  /** Links that are cut, as "from>to". */
  private readonly cut = new Set<string>();
  /** Extra delay per node, on every link to or from it. */
  private readonly delayMs = new Map<number, number>();

  private constructor() {}

  /**
   * Puts a proxy on every link between the nodes of `homes` (already wired with their p2p
   * ports and hosts): each node's config.json then names the proxies instead of its peers'
   * listeners. `gatewayOf(i)` is where node i reaches this process (loopback unless the node
   * is in a network namespace of its own); its proxies listen there.
   */
  static async install(
    homes: readonly string[],
    gatewayOf: (index: number) => string = () => "127.0.0.1",
  ): Promise<LinkProxies> {
    const proxies = new LinkProxies();
    const configs = homes.map((home) => JSON.parse(readFileSync(join(home, "config.json"), "utf8")));
    const listenerOf = (index: number) => configs[index].p2p as { host?: string; port: number };
    const indexOfPort = new Map(configs.map((_, i) => [listenerOf(i).port, i]));
    for (const [from, config] of configs.entries()) {
      for (const peer of config.peers as PeerEntry[]) {
        const to = indexOfPort.get(peer.port);
        if (to === undefined) throw new Error(`peer port ${peer.port} of node ${from + 1} is no node's`);
        const target = listenerOf(to);
        peer.host = gatewayOf(from);
        peer.port = await proxies.open(from, to, peer.host, {
          host: target.host ?? "127.0.0.1",
          port: target.port,
        });
      }
      writeFileSync(join(homes[from] as string, "config.json"), JSON.stringify(config));
    }
    return proxies;
  }

  private async open(
    from: number,
    to: number,
    listenHost: string,
    target: { host: string; port: number },
  ): Promise<number> {
    const sockets = new Set<Socket>();
    const key = `${from}>${to}`;
    const server = createServer({ pauseOnConnect: true }, (inbound) => {
      if (this.cut.has(key)) {
        inbound.destroy();
        return;
      }
      const outbound = connect(target);
      for (const socket of [inbound, outbound]) {
        sockets.add(socket);
        socket.on("error", () => {});
        socket.on("close", () => {
          sockets.delete(socket);
          inbound.destroy();
          outbound.destroy();
        });
      }
      this.pipe(inbound, outbound, from, to);
      this.pipe(outbound, inbound, from, to);
      inbound.resume();
    });
    await new Promise<void>((resolve) => server.listen(0, listenHost, resolve));
    this.links.push({ from, to, server, sockets });
    return (server.address() as { port: number }).port;
  }

  /** Copies `source` to `sink`, each chunk after the links' current delay, never out of order. */
  private pipe(source: Socket, sink: Socket, from: number, to: number): void {
    let lastDue = 0;
    source.on("data", (chunk: Buffer) => {
      const delay = Math.max(this.delayMs.get(from) ?? 0, this.delayMs.get(to) ?? 0);
      if (delay === 0 && lastDue <= performance.now()) {
        sink.write(chunk);
        return;
      }
      const due = Math.max(performance.now() + delay, lastDue);
      lastDue = due;
      setTimeout(() => sink.writable && sink.write(chunk), due - performance.now());
    });
  }

  /** Cuts every link between a node of `side` and a node outside it, both ways. */
  partition(side: readonly number[]): void {
    for (const link of this.links) {
      if (side.includes(link.from) === side.includes(link.to)) continue;
      this.cut.add(`${link.from}>${link.to}`);
      for (const socket of link.sockets) socket.destroy();
    }
  }

  /** Delays every chunk on the links of `node` by `ms`. */
  slow(node: number, ms: number): void {
    this.delayMs.set(node, ms);
  }

  /** Every link whole and fast again. */
  heal(): void {
    this.cut.clear();
    this.delayMs.clear();
  }

  async close(): Promise<void> {
    for (const link of this.links) {
      for (const socket of link.sockets) socket.destroy();
      await new Promise((resolve) => link.server.close(resolve));
    }
  }
}
