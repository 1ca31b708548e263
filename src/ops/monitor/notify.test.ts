import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../../until.test-util.js";
import type { Alert } from "./alerts.js";
import { Dispatcher, notifySchema } from "./notify.js";
import {
  type MailReceiver,
  startMailReceiver,
  startWebhookReceiver,
  type WebhookReceiver,
} from "./receivers.test-util.js";

const SECRET = "a-shared-secret-of-some-length";
const FAST = { attempts: 4, baseDelayMs: 10, maxDelayMs: 40 };
const alert: Alert = {
  id: "abc",
  rule: "NodeUnreachable",
  severity: "critical",
  summary: "the monitor cannot reach the node",
  node: "node2",
  labels: {},
  state: "firing",
  value: 0,
  activeSinceMs: 1,
  firedAtMs: 2,
};

let hook: WebhookReceiver;
let mail: MailReceiver;
beforeAll(async () => {
  hook = await startWebhookReceiver(SECRET);
  mail = await startMailReceiver("ops", "right-password");
});
afterAll(async () => {
  await hook.close();
  await mail.close();
});

const smtp = (pass: string) => ({ host: "127.0.0.1", port: mail.port, user: "ops", pass });

describe("notifications", () => {
  it("post signed JSON to a webhook, retrying with backoff, without holding the caller", async () => {
    const lines: string[] = [];
    const dispatcher = new Dispatcher(
      notifySchema.parse({ webhooks: [{ name: "ops", url: hook.url, secret: SECRET }] }),
      () => "http://monitor",
      (line) => lines.push(line),
      FAST,
    );
    hook.failNext(2);
    dispatcher.send({ kind: "firing", alert });
    expect(hook.received).toHaveLength(0); // send() returned before any delivery
    await until(() => dispatcher.statuses()[0]?.delivered === 1);
    expect(hook.received).toHaveLength(1);
    expect(hook.received[0]).toMatchObject({
      validSignature: true,
      body: {
        version: 1,
        status: "firing",
        monitor: "http://monitor",
        alert: { id: "abc", rule: "NodeUnreachable" },
      },
    });
    expect(dispatcher.statuses()[0]).toMatchObject({ delivered: 1, failed: 0 });
    expect(lines.filter((l) => l.includes("retrying in"))).toHaveLength(2);
    expect(lines.join("\n")).toMatch(/retrying in 10 ms[\s\S]*retrying in 20 ms/); // doubled
    dispatcher.stop();
  });

  it("route by severity and rule", async () => {
    const dispatcher = new Dispatcher(
      notifySchema.parse({
        webhooks: [{ name: "warnings-only", url: hook.url, secret: SECRET, severities: ["warning"] }],
      }),
      () => "m",
      () => {},
      FAST,
    );
    const before = hook.received.length;
    dispatcher.send({ kind: "firing", alert });
    dispatcher.send({ kind: "firing", alert: { ...alert, id: "w", severity: "warning" } });
    await until(() => dispatcher.statuses()[0]?.delivered === 1);
    expect(hook.received.slice(before).map((r) => (r.body as { alert: Alert }).alert.id)).toEqual(["w"]);
    dispatcher.stop();
  });

  it("send an email over SMTP, and say plainly when the password is wrong", async () => {
    const config = (pass: string) =>
      notifySchema.parse({
        email: [
          { name: "oncall", smtp: smtp(pass), from: "monitor@example.com", to: ["oncall@example.com"] },
        ],
      });
    const good = new Dispatcher(
      config("right-password"),
      () => "http://monitor",
      () => {},
      FAST,
    );
    good.send({ kind: "resolved", alert: { ...alert, state: "resolved", resolvedAtMs: 3 } });
    await until(() => mail.mails.length === 1);
    expect(mail.mails[0]?.to).toEqual(["oncall@example.com"]);
    expect(mail.mails[0]?.data).toMatch(/Subject: \[RESOLVED\] critical NodeUnreachable on node2/);
    good.stop();

    const bad = new Dispatcher(
      config("wrong-password"),
      () => "m",
      () => {},
      FAST,
    );
    bad.send({ kind: "firing", alert });
    await until(() => bad.statuses()[0]?.failed === 1);
    expect(bad.statuses()[0]?.lastError).toMatch(/refused the login of ops: wrong user or password/);
    expect(mail.refusedLogins).toBe(FAST.attempts);
    expect(mail.mails).toHaveLength(1);
    bad.stop();
  });

  it("refuse a bad notification setting with what is wrong", () => {
    expect(() =>
      notifySchema.parse({ webhooks: [{ name: "x", url: "not a url", secret: "short" }] }),
    ).toThrow(/url|16 characters/);
  });
});
