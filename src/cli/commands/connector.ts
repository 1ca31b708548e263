import type { Command } from "commander";
import { startPaymentConnector } from "../../integrations/payments/connector.js";
import { SimulatorPaymentProvider, startPaymentSimulator } from "../../integrations/payments/simulator.js";
import { readKeyPairFile } from "../../node/key-files.js";
import { CliError, passphraseFrom, printer } from "../io.js";
import { nodeOption } from "../submit.js";
import { stopOnSignals } from "./node.js";

/** `mkl connector payments` and its simulated provider `mkl connector payments-simulator`. */
export function registerConnectorCommands(program: Command): void {
  const connector = program
    .command("connector")
    .description("connectors between the chain and outside systems");
  const payments = nodeOption(
    connector
      .command("payments")
      .description(
        "pay the withdrawals of the enterprises that authorised this payment service, and record them on the chain",
      )
      .requiredOption("--key <file>", "the payment service identity's private key (PEM)")
      .requiredOption("--data <dir>", "where the connector keeps the last block it finished")
      .requiredOption(
        "--provider <kind>",
        "the provider adapter: simulator (a simulated provider, moves no money)",
      )
      .option("--provider-url <url>", "the simulator's URL (mkl connector payments-simulator)")
      .option("--passphrase-env <var>", "the key's passphrase is in this environment variable"),
  ).action(
    async (o: {
      node: string;
      key: string;
      data: string;
      provider: string;
      providerUrl?: string;
      passphraseEnv?: string;
    }) => {
      if (o.provider !== "simulator")
        throw new CliError(`unknown --provider "${o.provider}": simulator is the one adapter shipped`);
      if (o.providerUrl === undefined) throw new CliError("--provider-url is required for the simulator");
      const running = await startPaymentConnector({
        nodeUrl: o.node,
        key: readKeyPairFile(o.key, passphraseFrom(o.passphraseEnv)),
        dataDir: o.data,
        provider: new SimulatorPaymentProvider(o.providerUrl),
        log: (line) => console.error(line),
      });
      printer(payments)(`payment connector ${running.code} following ${o.node} (provider: simulator)`);
      stopOnSignals(() => running.stop());
    },
  );
  const simulator = connector
    .command("payments-simulator")
    .description(
      "a SIMULATED payment provider for tests and demos: records payouts by idempotency key, moves no money",
    )
    .requiredOption("--data <dir>", "where the simulated payouts are kept")
    .option("--port <port>", "listen on (0: any free port)", "26690")
    .option("--limit-fen <fen>", "reject payouts above this")
    .option("--answer-delay-ms <ms>", "pause between recording a payout and answering", "0");
  simulator.action(async (o: { data: string; port: string; limitFen?: string; answerDelayMs: string }) => {
    if (!/^[0-9]{1,5}$/.test(o.port) || !/^[0-9]{1,6}$/.test(o.answerDelayMs))
      throw new CliError("--port and --answer-delay-ms are whole numbers");
    if (o.limitFen !== undefined && !/^[0-9]{1,19}$/.test(o.limitFen))
      throw new CliError("--limit-fen is a whole number of fen");
    const sim = await startPaymentSimulator({
      dataDir: o.data,
      port: Number(o.port),
      answerDelayMs: Number(o.answerDelayMs),
      ...(o.limitFen === undefined ? {} : { limitFen: BigInt(o.limitFen) }),
    });
    printer(simulator)(`payment simulator listening on ${sim.url} (simulated: no money moves)`);
    stopOnSignals(() => sim.stop());
  });
}
