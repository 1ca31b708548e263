import type { Command } from "commander";
import { systemClock } from "../../clock.js";
import { getSuite } from "../../crypto/index.js";
import { BUSINESS_EVENT_KINDS } from "../../integrations/business-events.js";
import { signSubscriptionRequest } from "../../integrations/webhooks/authorise.js";
import { startWebhookService } from "../../integrations/webhooks/service.js";
import { readTextFile } from "../../node/files.js";
import { readKeyPairFile } from "../../node/key-files.js";
import { userCodeOf } from "../../pki/user-code.js";
import { CliError, EXIT_REFUSED, passphraseFrom, printer } from "../io.js";
import { nodeOption } from "../submit.js";
import { stopOnSignals } from "./node.js";

/**
 * `mkl webhooks serve|subscribe|dead-letters`: the webhook service as its own process, a
 * subscriber's signed request, and the operator's view of what could not be delivered.
 */

async function call(url: string, init: RequestInit): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    throw new CliError(
      `cannot reach ${url}: ${(error as Error).message}`,
      EXIT_REFUSED,
      "SERVICE_UNREACHABLE",
    );
  }
  const body = (await response.json()) as { error?: { code: string; message: string } };
  if (!response.ok)
    throw new CliError(
      body.error?.message ?? `HTTP ${response.status}`,
      EXIT_REFUSED,
      body.error?.code ?? "HTTP_ERROR",
    );
  return body;
}

const positive = (name: string, value: string) => {
  if (!/^[1-9][0-9]{0,8}$/.test(value))
    throw new CliError(`${name} is a positive whole number, got "${value}"`);
  return Number(value);
};

export function registerWebhookCommands(program: Command): void {
  const webhooks = program
    .command("webhooks")
    .description("business events delivered to your URLs, signed, at least once");

  const serve = nodeOption(
    webhooks
      .command("serve")
      .description("run the webhook service: follows the node's events and delivers them")
      .requiredOption("--data <dir>", "where subscriptions, queues, dead letters and the cursor live")
      .option("--host <host>", "listen on", "127.0.0.1")
      .option("--port <port>", "listen on (0: any free port)", "26680")
      .option("--max-attempts <n>", "deliveries tried before an event becomes a dead letter", "8")
      .option("--retry-ms <ms>", "first pause before a retry (doubles each time, up to a minute)", "500"),
  ).action(
    async (o: {
      node: string;
      data: string;
      host: string;
      port: string;
      maxAttempts: string;
      retryMs: string;
    }) => {
      const service = await startWebhookService({
        nodeUrl: o.node,
        dataDir: o.data,
        host: o.host,
        port: /^[0-9]{1,5}$/.test(o.port) ? Number(o.port) : positive("--port", o.port),
        retry: {
          maxAttempts: positive("--max-attempts", o.maxAttempts),
          baseMs: positive("--retry-ms", o.retryMs),
        },
        log: (line) => console.error(line),
      });
      printer(serve)(`webhook service listening on ${service.url} (operator token in ${o.data}/admin.token)`);
      stopOnSignals(() => service.stop());
    },
  );

  const subscribe = webhooks
    .command("subscribe")
    .description(
      "subscribe a URL, signed with your identity's key: an enterprise to its events, anyone to events naming them",
    )
    .requiredOption("--service <url>", "the webhook service")
    .requiredOption("--key <file>", "your identity's private key (PEM)")
    .requiredOption("--url <url>", "where to POST the events")
    .option("--enterprise <org>", "all events of your enterprise (you sign as an enterprise identity of it)")
    .option(
      "--kinds <list>",
      `only these, comma-separated (default every one: ${BUSINESS_EVENT_KINDS.join(",")})`,
    )
    .option("--passphrase-env <var>", "the key's passphrase is in this environment variable");
  subscribe.action(
    async (o: {
      service: string;
      key: string;
      url: string;
      enterprise?: string;
      kinds?: string;
      passphraseEnv?: string;
    }) => {
      const key = readKeyPairFile(o.key, passphraseFrom(o.passphraseEnv));
      const suite = getSuite(key.privateKey.suite);
      const scope =
        o.enterprise !== undefined
          ? { enterprise: o.enterprise }
          : { payee: userCodeOf(suite.hash, key.publicKey.bytes) };
      const signed = signSubscriptionRequest(
        suite,
        key,
        { url: o.url, scope, ...(o.kinds === undefined ? {} : { kinds: o.kinds.split(",") as never[] }) },
        systemClock.now(),
      );
      const answer = (await call(`${o.service.replace(/\/+$/, "")}/v1/subscriptions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(signed),
      })) as { id: string; secret: string; fromHeight: string };
      const print = printer(subscribe);
      print(`subscription ${answer.id} from height ${answer.fromHeight}`);
      print(`secret ${answer.secret}   (verify the x-mkl-signature header with it; it is not shown again)`);
    },
  );

  const dead = webhooks
    .command("dead-letters")
    .description("the operator's list of events that could not be delivered; --replay sends them again")
    .requiredOption("--service <url>", "the webhook service")
    .requiredOption("--token-file <file>", "the operator's token (DATA/admin.token)")
    .option("--replay <id>", "put this dead letter back on its queue")
    .option("--replay-all", "put every dead letter back, each in its place in its queue");
  dead.action(async (o: { service: string; tokenFile: string; replay?: string; replayAll?: boolean }) => {
    const base = o.service.replace(/\/+$/, "");
    const headers = { authorization: `Bearer ${readTextFile(o.tokenFile).trim()}` };
    const print = printer(dead);
    if (o.replayAll) {
      const { replayed } = (await call(`${base}/v1/dead-letters/replay`, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: "{}",
      })) as { replayed: string[] };
      for (const id of replayed) print(`replayed ${id}`);
      if (replayed.length === 0) print("no dead letters");
      return;
    }
    if (o.replay !== undefined) {
      await call(`${base}/v1/dead-letters/${encodeURIComponent(o.replay)}/replay`, {
        method: "POST",
        headers,
      });
      print(`replayed ${o.replay}`);
      return;
    }
    const { deadLetters } = (await call(`${base}/v1/dead-letters`, { headers })) as {
      deadLetters: Array<{ id: string; height: string; attempts: number; lastError: string | null }>;
    };
    for (const d of deadLetters)
      print(`${d.id} height ${d.height} after ${d.attempts} attempts: ${d.lastError ?? ""}`);
    if (deadLetters.length === 0) print("no dead letters");
  });
}
