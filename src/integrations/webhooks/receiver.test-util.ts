import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  EVENT_ID_HEADER,
  SIGNATURE_HEADER,
  SUBSCRIPTION_HEADER,
  verifySignatureHeader,
} from "./signature.js";

/**
 * A webhook receiver as an integrator would write one: it checks every signature, keeps each
 * event once by id (counting duplicates), counts events that arrive behind a later one of their
 * subscription (block order), and can be told to fail.
 */
export interface ReceivedEvent {
  id: string;
  subscription: string;
  type: string;
  height: string;
  attributes: Record<string, string>;
}

export class Receiver {
  readonly secrets = new Map<string, string>();
  readonly events: ReceivedEvent[] = [];
  readonly seen = new Set<string>();
  duplicates = 0;
  badSignatures = 0;
  /** New events that arrived after a later event of the same subscription. */
  outOfOrder = 0;
  posts = 0;
  /** Answer 500 to the next this many posts. */
  failNext = 0;
  /** Answer 500 to every post while true. */
  down = false;
  private readonly lastIds = new Map<string, string>();
  private server: Server | undefined;
  url = "";

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on("end", () => {
        this.posts++;
        const subscription = String(request.headers[SUBSCRIPTION_HEADER] ?? "");
        const secret = this.secrets.get(subscription);
        const header = request.headers[SIGNATURE_HEADER] as string | undefined;
        if (secret === undefined || !verifySignatureHeader(secret, header, body, Date.now())) {
          this.badSignatures++;
          response.writeHead(401).end();
          return;
        }
        if (this.down || this.failNext > 0) {
          this.failNext = Math.max(0, this.failNext - 1);
          response.writeHead(500).end();
          return;
        }
        const event = JSON.parse(body) as ReceivedEvent;
        if (event.id !== request.headers[EVENT_ID_HEADER]) this.badSignatures++;
        const key = `${event.subscription}/${event.id}`;
        if (this.seen.has(key)) this.duplicates++;
        else {
          const last = this.lastIds.get(event.subscription);
          if (last !== undefined && !inBlockOrder([last, event.id])) this.outOfOrder++;
          this.lastIds.set(event.subscription, event.id);
          this.seen.add(key);
          this.events.push(event);
        }
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  of(subscription: string): ReceivedEvent[] {
    return this.events.filter((e) => e.subscription === subscription);
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

/** Event ids in block order: by height, then transaction index (end-block work last), then index. */
export function eventOrder(id: string): [bigint, number, number] {
  const [height, tx, n] = id.split("-");
  return [BigInt(height!), tx === "end" ? Number.MAX_SAFE_INTEGER : Number(tx), Number(n)];
}

export function inBlockOrder(ids: readonly string[]): boolean {
  for (let i = 1; i < ids.length; i++) {
    const a = eventOrder(ids[i - 1]!);
    const b = eventOrder(ids[i]!);
    const cmp = a[0] !== b[0] ? (a[0] < b[0] ? -1 : 1) : a[1] !== b[1] ? a[1] - b[1] : a[2] - b[2];
    if (cmp >= 0) return false;
  }
  return true;
}
