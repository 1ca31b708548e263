import { txCodecs } from "../src/app/executor.js";
import { getSuite } from "../src/crypto/index.js";
import { decodeSignedTx, encodeSignedTx, signTx } from "../src/ledger/tx.js";
import { opsPerSecond } from "./measure.js";
import type { BenchRow } from "./table.js";

/** Canonical encode/decode of a signed transfer, beside JSON of the same object as a yardstick. */
export function runCodecBench(durationMs = 1000): BenchRow[] {
  const suite = getSuite("sm");
  const key = suite.generateKeyPair();
  const tx = signTx(
    suite,
    key.privateKey,
    {
      chainId: "bench",
      sender: key.publicKey.bytes,
      nonce: 12n,
      expiryHeight: 1_000n,
      op: { kind: "transfer", value: { to: new Uint8Array(20).fill(7), amountFen: 123_456n, memo: "bench" } },
    },
    txCodecs,
  );
  const bytes = encodeSignedTx(tx, txCodecs);
  const asJson = JSON.stringify(tx, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
  const encodeRate = opsPerSecond(() => encodeSignedTx(tx, txCodecs), durationMs);
  const decodeRate = opsPerSecond(() => decodeSignedTx(bytes, txCodecs), durationMs);
  const jsonEncode = opsPerSecond(
    () => JSON.stringify(tx, (_k, v) => (typeof v === "bigint" ? v.toString() : v)),
    durationMs,
  );
  const jsonDecode = opsPerSecond(() => JSON.parse(asJson), durationMs);
  return [
    {
      name: `codec encode signed transfer (${bytes.length} B) vs JSON.stringify`,
      value: encodeRate,
      unit: "ops/s",
      reference: jsonEncode,
      ratio: encodeRate / jsonEncode,
    },
    {
      name: "codec decode signed transfer vs JSON.parse",
      value: decodeRate,
      unit: "ops/s",
      reference: jsonDecode,
      ratio: decodeRate / jsonDecode,
    },
  ];
}
