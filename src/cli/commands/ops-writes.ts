import type { Command } from "commander";
import { getSuite } from "../../crypto/index.js";
import { readKeyPairFile } from "../../node/key-files.js";
import { DEFAULT_MONITOR_URL } from "../../ops/network/ports.js";
import { signedOpsInit } from "../../sdk/ops-request.js";
import { CliError, EXIT_REFUSED, passphraseFrom, printer } from "../io.js";

interface MonitorOptions {
  monitor: string;
}
interface WriteOptions extends MonitorOptions {
  key: string;
  passphraseEnv?: string;
}

function monitorOption(cmd: Command): Command {
  return cmd.option(
    "--monitor <url>",
    "the monitor's URL, or a node's (it passes /v1/ops on to its monitor)",
    DEFAULT_MONITOR_URL,
  );
}

/** `--key` and `--passphrase-env`: the operator who signs (a platform-operator or node-operator identity). */
function operatorOptions(cmd: Command): Command {
  return monitorOption(cmd)
    .requiredOption(
      "--key <file>",
      "the operator's private key (PEM): a node-operator or platform-operator identity",
    )
    .option("--passphrase-env <var>", "the key's passphrase is in this environment variable");
}

/** One request to the monitor; a refusal exits 1 with the monitor's code and words. */
async function ask(monitor: string, path: string, init?: RequestInit): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(`${monitor.replace(/\/+$/, "")}${path}`, {
      ...init,
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    throw new CliError(`cannot reach the monitor at ${monitor}: ${(error as Error).message}`, EXIT_REFUSED);
  }
  const answer = (await response.json().catch(() => undefined)) as
    | { error?: { code: string; message: string } }
    | undefined;
  if (!response.ok) {
    const error = answer?.error;
    throw new CliError(
      `the monitor refused ${init?.method ?? "GET"} ${path}: ${error?.message ?? `HTTP ${response.status}`}`,
      EXIT_REFUSED,
      error?.code ?? "HTTP_ERROR",
    );
  }
  return answer;
}

/** Signs the write with the operator's key file (the suite is the key's) and sends it. */
function signedWrite(o: WriteOptions, method: "POST" | "DELETE", path: string, body?: object) {
  const key = readKeyPairFile(o.key, passphraseFrom(o.passphraseEnv));
  return ask(o.monitor, path, signedOpsInit(getSuite(key.privateKey.suite), key, method, path, body));
}

interface AlertJson {
  id: string;
  rule: string;
  severity: string;
  node: string;
  state: string;
  summary: string;
  acknowledged?: { by: string };
}

/**
 * `mkl ops alerts|ack|silence|unsilence|reload`: the monitor's alerts, and the writes an operator
 * signs with their key (the monitor checks the chain says who they are).
 */
export function registerOpsWriteCommands(ops: Command): void {
  monitorOption(
    ops.command("alerts").description("the monitor's pending and firing alerts, with their ids"),
  ).action(async (o: MonitorOptions, cmd: Command) => {
    const print = printer(cmd);
    const { alerts } = (await ask(o.monitor, "/v1/ops/alerts")) as { alerts: AlertJson[] };
    if (alerts.length === 0) print("no alerts");
    for (const a of alerts)
      print(
        `${a.id}  ${a.severity.padEnd(8)} ${a.state.padEnd(8)} ${a.rule} ${a.node}${a.acknowledged ? ` (acknowledged by ${a.acknowledged.by})` : ""}: ${a.summary}`,
      );
  });
  operatorOptions(
    ops.command("ack <id>").description("acknowledge an alert, signed by the operator's key"),
  ).action(async (id: string, o: WriteOptions, cmd: Command) => {
    const alert = (await signedWrite(
      o,
      "POST",
      `/v1/ops/alerts/${encodeURIComponent(id)}/ack`,
      {},
    )) as AlertJson;
    printer(cmd)(`acknowledged ${alert.id} (${alert.rule} ${alert.node}) as ${alert.acknowledged?.by}`);
  });
  operatorOptions(
    ops
      .command("silence")
      .description(
        "silence the notifications of alerts of a rule and/or node for a while, signed by the operator's key",
      )
      .option("--rule <name>", "only this rule's alerts")
      .option("--node <name>", "only this node's alerts")
      .requiredOption("--duration <d>", "for how long, e.g. 30m, 4h")
      .option("--comment <text>", "why", ""),
  ).action(
    async (
      o: WriteOptions & { rule?: string; node?: string; duration: string; comment: string },
      cmd: Command,
    ) => {
      const silence = (await signedWrite(o, "POST", "/v1/ops/silences", {
        ...(o.rule === undefined ? {} : { rule: o.rule }),
        ...(o.node === undefined ? {} : { node: o.node }),
        duration: o.duration,
        comment: o.comment,
      })) as { id: string; untilMs: number; by: string };
      printer(cmd)(
        `silence ${silence.id} until ${new Date(silence.untilMs).toISOString()}, by ${silence.by}`,
      );
    },
  );
  operatorOptions(
    ops.command("unsilence <id>").description("end a silence, signed by the operator's key"),
  ).action(async (id: string, o: WriteOptions, cmd: Command) => {
    await signedWrite(o, "DELETE", `/v1/ops/silences/${encodeURIComponent(id)}`);
    printer(cmd)(`silence ${id} ended`);
  });
  operatorOptions(
    ops
      .command("reload")
      .description("make the monitor read its rules file again, signed by the operator's key"),
  ).action(async (o: WriteOptions, cmd: Command) => {
    const { rules } = (await signedWrite(o, "POST", "/v1/ops/rules/reload", {})) as { rules: number };
    printer(cmd)(`the monitor runs ${rules} rules`);
  });
}
