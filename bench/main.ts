import { runCodecBench } from "./codec.js";
import { runCryptoBench } from "./crypto.js";
import { runNetworkBench } from "./network.js";
import { runNodeBench } from "./node.js";
import { type BenchRow, printTable } from "./table.js";

/** `npm run bench`: every figure beside the limit or reference it is measured against. */
async function main(only: string[]): Promise<void> {
  const wanted = (part: string) => only.length === 0 || only.includes(part);
  const rows: BenchRow[] = [];
  if (wanted("crypto")) {
    console.log("crypto suites…");
    rows.push(...(await runCryptoBench()));
  }
  if (wanted("codec")) {
    console.log("codec…");
    rows.push(...runCodecBench());
  }
  for (const suite of wanted("node") ? (["sm", "ecdsa-p256"] as const) : []) {
    console.log(`single validator (${suite})…`);
    rows.push(...(await runNodeBench(suite)));
  }
  for (const suite of wanted("network") ? (["sm", "ecdsa-p256"] as const) : []) {
    console.log(`four validators (${suite})…`);
    // A light load for latency, then more than the network can take, for throughput.
    rows.push(...(await runNetworkBench(suite, 200)));
    rows.push(...(await runNetworkBench(suite, 3000, 6)));
  }
  console.log("");
  printTable(rows);
}

// `npm run bench -- crypto codec node network` runs only the named parts.
await main(process.argv.slice(2));
