import { createHmac } from "node:crypto";
import nodemailer from "nodemailer";
import { z } from "zod";
import { systemClock } from "../../clock.js";
import type { AlertEvent } from "./alerts.js";
import { SEVERITIES } from "./rules.js";

/** Which alerts a notifier takes: by severity and by rule name (absent: all). */
const routeSchema = {
  severities: z.array(z.enum(SEVERITIES)).optional(),
  rules: z.array(z.string()).optional(),
};
export const notifySchema = z
  .object({
    webhooks: z
      .array(
        z
          .object({
            name: z.string().min(1),
            url: z.string().url(),
            /** HMAC-SHA256 key: the receiver checks X-MKL-Signature with it. */
            secret: z.string().min(16, "a webhook secret has at least 16 characters"),
            ...routeSchema,
          })
          .strict(),
      )
      .default([]),
    email: z
      .array(
        z
          .object({
            name: z.string().min(1),
            smtp: z
              .object({
                host: z.string(),
                port: z.number().int().min(1).max(65_535),
                secure: z.boolean().default(false),
                user: z.string().optional(),
                pass: z.string().optional(),
                /** Accept a self-signed certificate (a test server on loopback). */
                allowSelfSigned: z.boolean().default(false),
              })
              .strict(),
            from: z.string().min(3),
            to: z.array(z.string().min(3)).min(1),
            ...routeSchema,
          })
          .strict(),
      )
      .default([]),
  })
  .strict()
  .default({ webhooks: [], email: [] });
export type NotifyConfig = z.infer<typeof notifySchema>;

/** Retry policy: attempt n (from 1) waits base * 2^(n-1), at most maxDelay; at most `attempts`. */
export interface RetryPolicy {
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}
export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 500, maxDelayMs: 30_000 };
/** Deliveries waiting or retrying at once; beyond, the oldest is given up (and counted). */
const MAX_IN_FLIGHT = 1_000;

export interface NotifierStatus {
  readonly name: string;
  readonly kind: "webhook" | "email";
  delivered: number;
  failed: number;
  dropped: number;
  lastError?: string;
  lastErrorAtMs?: number;
}

export interface AlertMessage {
  readonly version: 1;
  readonly status: "firing" | "resolved";
  readonly monitor: string;
  readonly sentAtMs: number;
  readonly alert: AlertEvent["alert"];
}

/** The header a receiver checks: hex HMAC-SHA256 of `${timestamp}.${body}` under the shared secret. */
export function signWebhook(secret: string, timestampMs: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestampMs}.${body}`).digest("hex")}`;
}

interface Notifier {
  readonly status: NotifierStatus;
  accepts(event: AlertEvent): boolean;
  deliver(message: AlertMessage): Promise<void>;
}

function route(config: { severities?: string[] | undefined; rules?: string[] | undefined }) {
  return (event: AlertEvent) =>
    (config.severities === undefined || config.severities.includes(event.alert.severity)) &&
    (config.rules === undefined || config.rules.includes(event.alert.rule));
}

function webhookNotifier(config: NotifyConfig["webhooks"][number]): Notifier {
  return {
    status: { name: config.name, kind: "webhook", delivered: 0, failed: 0, dropped: 0 },
    accepts: route(config),
    async deliver(message) {
      const body = JSON.stringify(message);
      const timestamp = String(message.sentAtMs);
      const response = await fetch(config.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-mkl-timestamp": timestamp,
          "x-mkl-signature": signWebhook(config.secret, timestamp, body),
        },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      if (!response.ok) throw new Error(`webhook ${config.url} answered ${response.status}`);
    },
  };
}

function emailNotifier(config: NotifyConfig["email"][number]): Notifier {
  const { smtp } = config;
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    ...(smtp.user === undefined ? {} : { auth: { user: smtp.user, pass: smtp.pass ?? "" } }),
    tls: { rejectUnauthorized: !smtp.allowSelfSigned },
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 10_000,
  });
  return {
    status: { name: config.name, kind: "email", delivered: 0, failed: 0, dropped: 0 },
    accepts: route(config),
    async deliver(message) {
      const a = message.alert;
      const where = a.node === "" ? "network" : a.node;
      try {
        await transport.sendMail({
          from: config.from,
          to: config.to,
          subject: `[${message.status.toUpperCase()}] ${a.severity} ${a.rule} on ${where}`,
          text: [
            `${a.rule} (${a.severity}) is ${message.status} on ${where}: ${a.summary}.`,
            `value ${a.value}; labels ${JSON.stringify(a.labels)}`,
            `since ${new Date(a.activeSinceMs).toISOString()}${a.resolvedAtMs === undefined ? "" : `, resolved ${new Date(a.resolvedAtMs).toISOString()}`}`,
            `monitor ${message.monitor}`,
          ].join("\n"),
          headers: { "x-mkl-alert-id": a.id, "x-mkl-alert-status": message.status },
        });
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === "EAUTH")
          throw new Error(
            `SMTP ${smtp.host}:${smtp.port} refused the login of ${smtp.user ?? "(none)"}: wrong user or password`,
          );
        throw error;
      }
    },
  };
}

/**
 * Sends each alert event to the notifiers whose route takes it, in the background: a failed
 * delivery is retried with exponential backoff and never holds the monitor up; each notifier's
 * status (delivered, failed, last error) is kept for the monitor's API.
 */
export class Dispatcher {
  private readonly notifiers: Notifier[];
  private inFlight = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    config: NotifyConfig,
    private readonly monitorUrl: () => string,
    private readonly log: (line: string) => void,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
    private readonly nowMs: () => number = systemClock.now,
  ) {
    this.notifiers = [...config.webhooks.map(webhookNotifier), ...config.email.map(emailNotifier)];
  }

  statuses(): NotifierStatus[] {
    return this.notifiers.map((n) => ({ ...n.status }));
  }

  send(event: AlertEvent): void {
    const message: AlertMessage = {
      version: 1,
      status: event.kind,
      monitor: this.monitorUrl(),
      sentAtMs: this.nowMs(),
      alert: { ...event.alert },
    };
    for (const notifier of this.notifiers) {
      if (!notifier.accepts(event)) continue;
      if (this.inFlight >= MAX_IN_FLIGHT) {
        notifier.status.dropped++;
        continue;
      }
      this.inFlight++;
      this.attempt(notifier, message, 1);
    }
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private attempt(notifier: Notifier, message: AlertMessage, n: number): void {
    notifier.deliver({ ...message, sentAtMs: this.nowMs() }).then(
      () => {
        this.inFlight--;
        notifier.status.delivered++;
      },
      (error: unknown) => {
        const reason = (error as Error).message;
        notifier.status.lastError = reason;
        notifier.status.lastErrorAtMs = this.nowMs();
        if (this.stopped || n >= this.retry.attempts) {
          this.inFlight--;
          notifier.status.failed++;
          this.log(
            `${notifier.status.kind} ${notifier.status.name}: gave up on ${message.alert.id} after ${n} attempts: ${reason}`,
          );
          return;
        }
        const delayMs = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (n - 1));
        this.log(
          `${notifier.status.kind} ${notifier.status.name}: attempt ${n} failed (${reason}); retrying in ${delayMs} ms`,
        );
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          this.attempt(notifier, message, n + 1);
        }, delayMs);
        this.timers.add(timer);
      },
    );
  }
}
