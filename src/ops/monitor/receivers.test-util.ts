import { once } from "node:events";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { signWebhook } from "./notify.js";

/** A webhook receiver on loopback that checks each request's signature and keeps the bodies. */
export interface WebhookReceiver {
  readonly url: string;
  readonly received: Array<{ body: unknown; validSignature: boolean; authorization?: string }>;
  /** Answer the next `n` requests with 500 (to make the sender retry). */
  failNext(n: number): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(secret: string): Promise<WebhookReceiver> {
  const received: WebhookReceiver["received"] = [];
  let failures = 0;
  const server: Server = createServer((request: IncomingMessage, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on("end", () => {
      if (failures > 0) {
        failures--;
        response.writeHead(500).end();
        return;
      }
      const timestamp = String(request.headers["x-mkl-timestamp"] ?? "");
      const validSignature = request.headers["x-mkl-signature"] === signWebhook(secret, timestamp, body);
      const authorization = request.headers.authorization;
      received.push({
        body: JSON.parse(body),
        validSignature,
        ...(authorization === undefined ? {} : { authorization }),
      });
      response.writeHead(204).end();
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    failNext: (n) => {
      failures = n;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A real SMTP server (the nodemailer project's smtp-server) that takes one login and keeps the mails. */
export interface MailReceiver {
  readonly port: number;
  readonly mails: Array<{ from: string; to: string[]; data: string }>;
  readonly refusedLogins: number;
  close(): Promise<void>;
}

export async function startMailReceiver(user: string, pass: string): Promise<MailReceiver> {
  const mails: MailReceiver["mails"] = [];
  const state = { refusedLogins: 0 };
  const server = new SMTPServer({
    authOptional: false,
    allowInsecureAuth: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === user && auth.password === pass) return callback(null, { user });
      state.refusedLogins++;
      return callback(new Error("Invalid username or password"));
    },
    onData(stream, session, callback) {
      let data = "";
      stream.on("data", (chunk: Buffer) => {
        data += chunk.toString();
      });
      stream.on("end", () => {
        mails.push({
          from: session.envelope.mailFrom === false ? "" : session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          data,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    mails,
    get refusedLogins() {
      return state.refusedLogins;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
